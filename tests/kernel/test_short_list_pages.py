"""``page_of``: a short list a service holds whole is paged like any other list — ``limit``, a
signed ``cursor``, ``next`` — and a row added or removed between pages neither repeats nor skips
one (libs/common/pagination.py)."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query, Request
from fastapi.testclient import TestClient

from libs.common.errors import install_problem_handlers
from libs.common.pagination import Page, page_of, position_cursor
from libs.common.settings import load_settings

pytestmark = pytest.mark.unit


def _app(rows: list[str]) -> FastAPI:
    app = FastAPI()
    app.state.settings = load_settings("registry", database_url="postgresql+asyncpg://x@h:1/x")
    install_problem_handlers(app)

    @app.get("/things")
    async def things(
        request: Request, limit: Annotated[int, Query(ge=1)] = 2, cursor: str | None = None
    ) -> Page[str]:
        after = position_cursor(request, cursor)
        page, next_url = page_of(request, list(rows), lambda row: row, after=after, limit=limit)
        return Page[str](items=page, next=next_url)

    return app


def _walk(client: TestClient, url: str | None) -> list[str]:
    seen: list[str] = []
    while url:
        page = client.get(url).json()
        seen += page["items"]
        url = page["next"]
    return seen


def test_pages_follow_next_to_the_end() -> None:
    rows = ["a", "b", "c", "d", "e"]
    client = TestClient(_app(rows))
    assert _walk(client, "/things") == rows
    assert client.get("/things?limit=5").json() == {"items": rows, "next": None}
    assert client.get("/things?limit=9").json()["next"] is None


def test_a_row_added_or_removed_between_pages_neither_repeats_nor_skips_one() -> None:
    rows = ["a", "b", "c", "d", "e"]
    client = TestClient(_app(rows))
    first = client.get("/things").json()
    assert first["items"] == ["a", "b"]
    rows.insert(0, "0")  # before the page already read
    rows.remove("d")
    assert _walk(client, first["next"]) == ["c", "e"]


def test_a_cursor_not_issued_for_the_list_is_a_422() -> None:
    client = TestClient(_app(["a", "b", "c"]))
    refused = client.get("/things?cursor=WzEsImEiXQ.forged")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["query.cursor"]
