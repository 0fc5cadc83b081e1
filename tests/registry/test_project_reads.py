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
from libs.common.metrics_endpoint import render
from libs.common.pagination import Page
from services.registry.projects import repository, service
from services.registry.projects.schemas import ProjectOut
from tests.fixtures.clients import bearer
from tests.registry.projects_support import create

AS_OF = date(2021, 8, 24)


# Every test here starts from the proposers' local governments and the ☆ programme.
pytestmark = pytest.mark.usefixtures("project_world")


async def _models(session: AsyncSession, ids: list[str]) -> list[ProjectOut]:
    projects = [await repository.get(session, uuid.UUID(project_id)) for project_id in ids]
    return [service.to_out(p, AS_OF) for p in projects if p is not None]


async def test_a_project_reads_as_its_response_model_serialises_it(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    proposers = [{"lg_code": "112089"}, {"lg_code": "112071", "is_lead": True}]
    initiatives = [{"title": "ドローン物流", "description": "医薬品"}, {"title": "MaaS"}]
    body = (await create(registry, operator, proposers=proposers, initiatives=initiatives)).json()

    response = await registry.get(
        f"/v1/projects/{body['id']}", params={"as_of": "2021-08-24"}, headers=operator
    )

    (expected,) = await _models(session, [body["id"]])
    assert response.content == expected.model_dump_json().encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["ETag"] == f'"project-{body["id"]}-v1"'


async def test_a_page_reads_as_its_response_model_serialises_it(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await create(registry, operator, title="初めの事業", initiatives=[])
    await create(registry, operator, title="次の事業", selection_fiscal_year="R1")
    await create(registry, operator, title="最後の事業", technologies=["AI"])

    first = await registry.get(
        "/v1/projects", params={"limit": 2, "as_of": "2021-08-24"}, headers=operator
    )
    last = await registry.get(first.json()["next"], headers=operator)

    for page in (first, last):
        ids = [item["id"] for item in page.json()["items"]]
        expected = Page[ProjectOut](items=await _models(session, ids), next=page.json()["next"])
        assert page.content == expected.model_dump_json().encode()
    assert last.json()["next"] is None
    assert [len(page.json()["items"]) for page in (first, last)] == [2, 1]


def _answer(response: httpx.Response) -> tuple[int, str | None, str | None]:
    headers = response.headers
    return response.status_code, headers.get("ETag"), headers.get("WWW-Authenticate")


async def test_a_project_read_answers_alike_however_its_id_is_spelt(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    """``GET /v1/projects/{id}`` with the id in canonical form and in capitals: every answer,
    errors included (401, 403, 404, 422), is the same, and each is the one the contract names."""
    created = await create(registry, operator, proposers=[{"lg_code": "112089"}])
    project_id = created.json()["id"]
    unknown = str(uuid.uuid4())
    cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
        (project_id, operator, {}),
        (project_id, operator, {"as_of": "令和3年8月24日"}),
        (project_id, bearer(token(Role.municipality, lg_code="112089")), {}),
        (project_id, bearer(token(Role.municipality, lg_code="112071")), {}),  # 403
        (project_id, operator, {"as_of": "someday"}),  # 422 query.as_of
        (project_id, {}, {}),  # 401
        (project_id, {"Authorization": "Basic b3A6cHc="}, {}),  # 401
        (project_id, bearer("not-a-token"), {}),  # 401
        (unknown, operator, {}),  # 404
    ]
    statuses = []
    for given, headers, params in cases:
        canonical = await registry.get(f"/v1/projects/{given}", headers=headers, params=params)
        capitals = await registry.get(
            f"/v1/projects/{given.upper()}", headers=headers, params=params
        )
        assert _answer(canonical) == _answer(capitals), (given, headers, params)
        if canonical.status_code >= 400:  # the problem names the path it was asked for
            problem, other = canonical.json(), capitals.json()
            assert {**problem, "instance": None} == {**other, "instance": None}
            assert canonical.headers["content-type"] == "application/problem+json"
        else:
            assert canonical.content == capitals.content
        statuses.append(canonical.status_code)
    assert statuses == [200, 200, 200, 403, 422, 401, 401, 401, 404]


async def test_paths_that_are_not_project_ids_reach_their_own_routes(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    stats = await registry.get("/v1/projects/stats", headers=operator)
    assert stats.status_code == 200, stats.text
    assert "by_selection_fiscal_year" in stats.json()
    not_an_id = await registry.get("/v1/projects/12345", headers=operator)
    assert not_an_id.status_code == 422
    assert not_an_id.json()["errors"][0]["field"] == "path.project_id"


async def test_a_project_read_is_measured_by_its_route_template(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project_id = (await create(registry, operator)).json()["id"]
    assert (await registry.get(f"/v1/projects/{project_id}", headers=operator)).is_success
    metrics = (await render(registry._transport.app)).decode()  # type: ignore[attr-defined]
    counted = 'method="GET",route="/v1/projects/{project_id}",service="registry",status="200"} 1.0'
    assert f"jisso_http_request_duration_seconds_count{{{counted}" in metrics
