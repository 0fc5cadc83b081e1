"""Programmes in the registry: listed in legend order (☆□○●■), and named in a filter by id or by
mark, through the kernel's one parser (libs/common/programmes.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.seed import seed_all


@pytest.fixture
async def seeded(session: AsyncSession) -> None:
    await seed_all(session)


async def _items(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[Any]:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


@pytest.mark.usefixtures("seeded")
async def test_programmes_are_listed_in_legend_order_page_by_page(
    registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    headers = auth(Role.partner)
    assert [p["mark"] for p in await _items(registry, "/v1/programmes", headers)] == list("☆□○●■")
    marks: list[str] = []
    url: str | None = "/v1/programmes?limit=2"
    while url:
        page = (await registry.get(url, headers=headers)).json()
        marks += [p["mark"] for p in page["items"]]
        url = page["next"]
    assert marks == list("☆□○●■")
    # A mark as people type it: 〇 (ideographic zero) for ○.
    [maas] = await _items(registry, "/v1/programmes?mark=〇", headers)
    assert maas["id"] == "meti-maas"


@pytest.mark.usefixtures("seeded")
async def test_the_project_filter_takes_an_id_or_a_mark(
    registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    headers = auth()
    by_id = await _items(registry, "/v1/projects?programme=mirai-gijutsu&limit=200", headers)
    by_mark = await _items(registry, "/v1/projects?programme=☆&limit=200", headers)
    by_case = await _items(registry, "/v1/projects?programme=Mirai-Gijutsu&limit=200", headers)
    assert by_id, "the seed's projects are ☆ projects"
    assert [p["id"] for p in by_mark] == [p["id"] for p in by_id] == [p["id"] for p in by_case]
    assert await _items(registry, "/v1/projects?programme=○", headers) == []
    refused = await registry.get("/v1/projects?programme=◎", headers=headers)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["rule"]) == ("query.programme", "unknown")
    # The refusal lists what may be named, in legend order.
    assert "mirai-gijutsu (☆), soumu-smart-city (□), meti-maas (○)" in error["message"]
