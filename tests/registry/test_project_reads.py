"""Project reads answer from one statement, straight from rows: byte for byte what the
``ProjectOut`` response model serialises from the ORM objects."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.pagination import Page
from services.registry.projects import repository, service
from services.registry.projects.schemas import ProjectOut
from tests.registry.projects_support import bearer, create, prepare

AS_OF = date(2021, 8, 24)


@pytest.fixture
async def client(
    api: Callable[[str], httpx.AsyncClient], session: AsyncSession
) -> httpx.AsyncClient:
    await prepare(session)
    return api("registry")


@pytest.fixture
def operator(token: Callable[..., str]) -> str:
    return token(Role.operator)


async def _models(session: AsyncSession, ids: list[str]) -> list[ProjectOut]:
    projects = [await repository.get(session, uuid.UUID(project_id)) for project_id in ids]
    return [service.to_out(p, AS_OF) for p in projects if p is not None]


async def test_a_project_reads_as_its_response_model_serialises_it(
    client: httpx.AsyncClient, operator: str, session: AsyncSession
) -> None:
    proposers = [{"lg_code": "112089"}, {"lg_code": "112071", "is_lead": True}]
    initiatives = [{"title": "ドローン物流", "description": "医薬品"}, {"title": "MaaS"}]
    body = (await create(client, operator, proposers=proposers, initiatives=initiatives)).json()

    response = await client.get(
        f"/v1/projects/{body['id']}", params={"as_of": "2021-08-24"}, headers=bearer(operator)
    )

    (expected,) = await _models(session, [body["id"]])
    assert response.content == expected.model_dump_json().encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["ETag"] == f'"project-{body["id"]}-v1"'


async def test_a_page_reads_as_its_response_model_serialises_it(
    client: httpx.AsyncClient, operator: str, session: AsyncSession
) -> None:
    await create(client, operator, title="初めの事業", initiatives=[])
    await create(client, operator, title="次の事業", selection_fiscal_year="R1")
    await create(client, operator, title="最後の事業", technologies=["AI"])

    first = await client.get(
        "/v1/projects", params={"limit": 2, "as_of": "2021-08-24"}, headers=bearer(operator)
    )
    last = await client.get(first.json()["next"], headers=bearer(operator))

    for page in (first, last):
        ids = [item["id"] for item in page.json()["items"]]
        expected = Page[ProjectOut](items=await _models(session, ids), next=page.json()["next"])
        assert page.content == expected.model_dump_json().encode()
    assert last.json()["next"] is None
    assert [len(page.json()["items"]) for page in (first, last)] == [2, 1]
