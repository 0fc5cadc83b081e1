"""Routers declared route by route on the app's router (libs/common/flat_routes.py) serve what
``include_router`` serves: the same routes in the same order, the same OpenAPI document for each
service, and the same answers (404, 405 with its Allow, the trailing-slash redirect, overrides)."""

from __future__ import annotations

import importlib
import json
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.routing import APIRoute, _IncludedRouter, iter_route_contexts

import services
from libs.common import flat_routes
from libs.common.settings import load_settings
from libs.common.unit_of_work import IDEMPOTENCY_KEY, UnitOfWorkRoute
from services.catalogue import SERVICE_NAMES

SECRETS = {
    "jwt_secret": "a8f3k2m9x7q1w5e4r6t8y0u2i4o6p8s1",
    "link_secret": "z1x3c5v7b9n2m4l6k8j0h2g4f6d8s1q3",
}


def _served(app: FastAPI) -> tuple[str, list[tuple[list[str], str, str]]]:
    routes = [
        (sorted(r.methods or ()), str(r.path), str(r.name)) for r in iter_route_contexts(app.routes)
    ]
    return json.dumps(app.openapi()), routes


def _service_app(service: str) -> FastAPI:
    assert services  # importing `services` registers them
    settings = load_settings(
        service,
        database_url="postgresql://unused@127.0.0.1:1/unused",
        redis_url="redis://127.0.0.1:1/0",
        environment="test",
        **SECRETS,
    )
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app(settings)
    return app


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_serves_what_include_router_serves(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = _service_app(service)
    monkeypatch.setattr(flat_routes, "include", lambda app, router: app.include_router(router))
    included = _service_app(service)
    assert _served(flat) == _served(included)
    # Flat indeed: the service's own routes are the app router's, not behind an inclusion.
    own = [r for r in flat.router.routes if isinstance(r, APIRoute)]
    assert len(own) > 20

    def inclusions(app: FastAPI) -> int:
        return sum(isinstance(r, _IncludedRouter) for r in app.router.routes)

    assert inclusions(flat) < inclusions(included)


async def _dependency() -> str:
    return "declared"


def _router() -> APIRouter:
    router = APIRouter(prefix="/things", tags=["things"])

    @router.get("/{thing_id}")
    async def read(thing_id: int, value: Annotated[str, Depends(_dependency)]) -> dict[str, Any]:
        return {"thing_id": thing_id, "value": value}

    @router.delete("/{thing_id}", status_code=204)
    async def remove(thing_id: int) -> None:
        return None

    @router.get("/", name="listing")
    async def listing(limit: Annotated[int, Query(le=10)] = 5) -> list[int]:
        return list(range(limit))

    return router


async def _answers(app: FastAPI) -> list[tuple[int, str, str, str]]:
    requests = ["GET /things/1", "POST /things/1", "GET /things/x", "GET /things", "GET /nowhere"]
    requests += ["GET /things/?limit=11", "PUT /things/"]
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for request in requests:
            method, path = request.split()
            response = await client.request(method, path)
            allow, location = (
                response.headers.get("allow", ""),
                response.headers.get("location", ""),
            )
            answers.append((response.status_code, allow, location, response.text))
    return answers


async def test_answers_and_overrides_are_include_routers() -> None:
    flat, included = FastAPI(), FastAPI()
    flat_routes.include(flat, _router())
    included.include_router(_router())
    assert isinstance(flat.router.routes[-1], APIRoute)
    assert isinstance(included.router.routes[-1], _IncludedRouter)
    ours = await _answers(flat)
    assert [status for status, *_ in ours] == [200, 405, 422, 307, 404, 422, 405]
    assert ours == await _answers(included)
    flat.dependency_overrides[_dependency] = lambda: "overridden"
    transport = httpx.ASGITransport(app=flat)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/things/1")).json()["value"] == "overridden"


def test_a_post_route_declared_again_keeps_one_idempotency_key() -> None:
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/things")
    async def create() -> None:
        return None

    app = FastAPI()
    flat_routes.include(app, router)
    route = app.router.routes[-1]
    assert isinstance(route, UnitOfWorkRoute)
    assert route.dependencies.count(IDEMPOTENCY_KEY) == 1


def test_a_router_with_a_nested_router_is_included_fastapis_way() -> None:
    outer, inner = APIRouter(prefix="/outer"), APIRouter(prefix="/inner")

    @inner.get("/x")
    async def x() -> None:
        return None

    outer.include_router(inner)
    app = FastAPI()
    flat_routes.include(app, outer)
    assert isinstance(app.router.routes[-1], _IncludedRouter)
    assert [str(r.path) for r in iter_route_contexts(app.routes)][-1] == "/outer/inner/x"
