"""Dependency solving from per-dependant plans (libs/common/dependency_plans.py) answers exactly
what FastAPI's own ``solve_dependencies`` answers, and does not re-classify per request.

One app declares every kind of parameter and dependency a route can have; each request is sent
once through FastAPI's function and once through the plans, and the two answers (status,
headers, body, what the dependencies did) must be equal — the 422s' error lists included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import fastapi.routing
import httpx
import pytest
from fastapi import (
    BackgroundTasks,
    Body,
    Cookie,
    Depends,
    FastAPI,
    Header,
    Query,
    Request,
    Response,
    Security,
)
from fastapi.dependencies import utils as dependency_utils
from fastapi.security import SecurityScopes
from pydantic import BaseModel, Field

from libs.common import dependency_plans

events: list[str] = []


def sync_dependency(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> int:
    events.append("sync")
    return limit


async def counted() -> int:
    events.append("counted")
    return len(events)


async def with_cleanup() -> AsyncIterator[str]:
    events.append("enter")
    yield "resource"
    events.append("exit")


def sync_generator() -> Iterator[str]:
    events.append("sync-enter")
    yield "sync-resource"
    events.append("sync-exit")


async def scoped(scopes: SecurityScopes) -> list[str]:
    return scopes.scopes


async def outer(
    inner: Annotated[int, Depends(counted)],
    again: Annotated[int, Depends(counted)],
    fresh: Annotated[int, Depends(counted, use_cache=False)],
    request: Request,
) -> dict[str, Any]:
    return {"inner": inner, "again": again, "fresh": fresh, "path": request.url.path}


class Filters(BaseModel):
    colour: str | None = None
    sizes: list[int] = Field(default_factory=list)


class Item(BaseModel):
    name: str
    count: int = 1


def build_app() -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def read_thing(
        thing_id: int,
        response: Response,
        background: BackgroundTasks,
        tags: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
        search: Annotated[str | None, Query(alias="q", max_length=5)] = None,
        limit: int = Depends(sync_dependency),
        nested: dict[str, Any] = Depends(outer),
        resource: str = Depends(with_cleanup),
        sync_resource: str = Depends(sync_generator),
        x_token: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
        scopes: list[str] = Security(scoped, scopes=["read"]),
    ) -> dict[str, Any]:
        response.headers["X-Seen"] = str(thing_id)
        background.add_task(events.append, "background")
        return {
            "thing_id": thing_id,
            "tags": tags,
            "search": search,
            "limit": limit,
            "nested": nested,
            "resource": resource,
            "sync_resource": sync_resource,
            "x_token": x_token,
            "session": session,
            "scopes": scopes,
        }

    @app.get("/filtered")
    async def filtered(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    @app.post("/items/{item_id}", status_code=201)
    async def create_item(
        item_id: str, item: Item, note: Annotated[str, Body()] = "", fresh: int = Depends(counted)
    ) -> dict[str, Any]:
        return {"item_id": item_id, "item": item.model_dump(), "note": note}

    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/things/7", {}),
    (
        "GET",
        "/things/7",
        {
            "params": [("tags", "a"), ("tags", "b"), ("q", "abc"), ("limit", "5")],
            "headers": {"x-token": "t", "cookie": "session=s1"},
        },
    ),
    ("GET", "/things/seven", {"params": {"q": "too long", "limit": "0"}}),
    ("GET", "/things/7", {"params": {"search": "by name, not alias", "tags": ""}}),
    ("GET", "/filtered", {"params": [("colour", "red"), ("sizes", "1"), ("sizes", "2")]}),
    ("GET", "/filtered", {"params": {"sizes": "x"}}),
    ("POST", "/items/a", {"json": {"item": {"name": "n", "count": 2}, "note": "hi"}}),
    ("POST", "/items/a", {"json": {"item": {"count": "many"}}}),
    (
        "POST",
        "/items/a",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
    ),
]


async def _answers(app: FastAPI) -> list[tuple[int, dict[str, str], Any, list[str]]]:
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, path, options in REQUESTS:
            events.clear()
            response = await client.request(method, path, **options)
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            answers.append((response.status_code, headers, response.json(), list(events)))
    return answers


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastapi.routing, "solve_dependencies", fastapi.routing.solve_dependencies)
    dependency_plans.install()
    assert fastapi.routing.solve_dependencies is dependency_plans.solve_dependencies


async def test_the_plans_answer_what_fastapi_answers(
    planned: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    ours = await _answers(app)
    monkeypatch.setattr(fastapi.routing, "solve_dependencies", dependency_utils.solve_dependencies)
    assert await _answers(app) == ours
    statuses = [status for status, *_ in ours]
    assert statuses == [200, 200, 422, 200, 200, 422, 201, 422, 422]
    # The cached dependency ran once, the uncached one again; the exits after the response.
    entered = ["sync", "counted", "counted", "enter", "sync-enter"]
    assert ours[0][3] == [*entered, "background", "sync-exit", "exit"]
    assert ours[0][2]["nested"] == {"inner": 2, "again": 2, "fresh": 3, "path": "/things/7"}


async def test_a_request_does_not_classify_its_dependencies_again(
    planned: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    classified: list[object] = []
    stock_cache_key = dependency_utils._get_cache_key

    def counting(**kwargs: Any) -> Any:
        classified.append(kwargs["dependant"])
        return stock_cache_key(**kwargs)

    await _answers(app)  # the plans are made on first use
    monkeypatch.setattr(dependency_utils, "_get_cache_key", counting)
    await _answers(app)
    assert classified == []

    # Overrides (tests) are solved by FastAPI's own function, and honoured.
    app.dependency_overrides[sync_dependency] = lambda: 99
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/things/7")
    assert response.json()["limit"] == 99
    assert classified != []


def test_another_fastapi_release_keeps_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastapi.routing, "solve_dependencies", dependency_utils.solve_dependencies)
    monkeypatch.setattr(fastapi, "__version__", "0.999.0")
    dependency_plans.install()
    assert fastapi.routing.solve_dependencies is dependency_utils.solve_dependencies
