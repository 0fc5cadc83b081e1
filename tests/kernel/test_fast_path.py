"""A fast path answers the requests its handler recognises, beside FastAPI's routing; the route's
endpoint answers every other, and errors become the app's usual problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.common.errors import NotFound, install_problem_handlers
from libs.common.fast_path import FastPathMiddleware, fast_path, fast_routes


async def _fast(request: Request) -> Response | None:
    word = request.path_params["word"]
    if word == "missing":
        raise NotFound("no such word")
    if word == "broken":
        raise RuntimeError("a bug")
    return Response(f"fast {word}") if word.isalpha() else None


class _RecordRoute:
    """Outside the fast path, as the observability middleware is: which route was named."""

    def __init__(self, app: ASGIApp, seen: list[Any]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        self.seen.append(getattr(scope.get("route"), "path", None))


@pytest.fixture
def routes_seen() -> list[Any]:
    return []


@pytest.fixture
async def client(routes_seen: list[Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/words/42")  # a path the fast route's template matches too: its handler declines
    async def answer() -> int:
        return 42

    @app.get("/words/{word}")
    @fast_path(_fast)
    async def word(word: str) -> Response:
        return Response(f"declared {word}")

    app.add_middleware(
        FastPathMiddleware,
        routes=fast_routes(app.routes),
        exception_handlers=app.exception_handlers,
    )
    app.add_middleware(_RecordRoute, seen=routes_seen)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_handler_answers_what_it_recognises_and_names_the_route(
    client: httpx.AsyncClient, routes_seen: list[Any]
) -> None:
    response = await client.get("/words/hello")

    assert (response.status_code, response.text) == (200, "fast hello")
    assert routes_seen == ["/words/{word}"]


async def test_what_the_handler_declines_goes_through_fastapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/words/h3llo")).text == "declared h3llo"
    assert (await client.get("/words/42")).json() == 42
    assert (await client.post("/words/hello")).status_code == 405  # another method


async def test_errors_become_the_apps_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/words/missing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "no such word"

    broken = await client.get("/words/broken")
    assert broken.status_code == 500
    assert broken.headers["content-type"] == "application/problem+json"
