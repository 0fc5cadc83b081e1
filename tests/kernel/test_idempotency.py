"""Idempotency-Key on a real app and database: a repeat replays, a reused key with a new body is
refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.app import create_service_app
from libs.common.auth import Principal, Role, require
from libs.common.errors import InvalidInput
from libs.common.idempotency import json_body
from libs.common.settings import Settings
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.notify.models import idempotency_keys, outbox

router = APIRouter(route_class=UnitOfWorkRoute)


class Order(BaseModel):
    what: str


class Created(BaseModel):
    id: str
    what: str


@router.post("/v1/orders", status_code=201)
async def create_order(
    body: Order,
    session: SessionDep,
    _: Annotated[Principal, Depends(require(Role.operator))],
) -> JSONResponse:
    key = f"order-{uuid.uuid4().hex}"
    await session.execute(text("INSERT INTO notify.applied_effects (key) VALUES (:k)"), {"k": key})
    return JSONResponse(json_body(Created(id=key, what=body.what)), status_code=201)


@router.post("/v1/models", status_code=201)
async def create_model(
    body: Order,
    session: SessionDep,
    _: Annotated[Principal, Depends(require(Role.operator))],
) -> Created:
    # Returns a model, as most routes do: the route class stores what FastAPI rendered.
    key = f"order-{uuid.uuid4().hex}"
    await session.execute(text("INSERT INTO notify.applied_effects (key) VALUES (:k)"), {"k": key})
    if body.what == "refuse":
        raise InvalidInput.field("body.what", "refused", "断る（refused）")
    return Created(id=key, what=body.what)


@router.post("/v1/forms")
async def post_form(
    what: Annotated[str, Form()],
    _: Annotated[Principal, Depends(require(Role.operator))],
) -> dict[str, str]:
    return {"what": what}


@pytest.fixture
async def client(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings=make_settings("notify"),
        title="t",
        description="t",
        version="0",
        routers=[router],
        outbox=outbox,
        idempotency_keys=idempotency_keys,
    )
    app.state.sessionmaker = sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def orders_created(session: AsyncSession) -> int:
    count = await session.scalar(
        text("SELECT count(*) FROM notify.applied_effects WHERE key LIKE 'order-%'")
    )
    return int(count or 0)


async def test_a_repeated_key_replays_the_first_response_and_creates_once(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-1"}
    first = await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    second = await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await orders_created(session) == 1


async def test_a_reused_key_with_another_body_is_refused(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-2"}
    await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    refused = await client.post("/v1/orders", json={"what": "b"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "idempotency_key_reused"
    assert await orders_created(session) == 1


async def test_without_a_key_each_post_creates(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}"}
    await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    assert await orders_created(session) == 2


async def test_every_post_takes_a_key_and_a_returned_model_is_replayed(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-3"}
    first = await client.post("/v1/models", json={"what": "a"}, headers=headers)
    second = await client.post("/v1/models", json={"what": "a"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert await orders_created(session) == 1


async def test_the_same_body_written_differently_is_the_same_request(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {
        "Authorization": f"Bearer {token(Role.operator)}",
        "Idempotency-Key": "k-4",
        "Content-Type": "application/json",
    }
    compact = b'{"what":"\u3042"}'
    pretty = '{\n  "what": "あ"\n}\n'.encode()
    first = await client.post("/v1/orders", content=compact, headers=headers)
    again = await client.post("/v1/orders", content=pretty, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert await orders_created(session) == 1


async def test_the_same_key_on_another_path_is_refused(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-5"}
    await client.post("/v1/orders", json={"what": "a"}, headers=headers)
    refused = await client.post("/v1/models", json={"what": "a"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "idempotency_key_reused"
    assert await orders_created(session) == 1


async def test_a_refused_request_leaves_its_key_free_for_a_retry(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-6"}
    refused = await client.post("/v1/models", json={"what": "refuse"}, headers=headers)
    again = await client.post("/v1/models", json={"what": "refuse"}, headers=headers)
    assert refused.status_code == again.status_code == 422
    assert "idempotent-replayed" not in again.headers
    assert await orders_created(session) == 0


async def test_a_form_body_with_a_key_is_read_once_and_replayed(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    # The form parser consumes the request stream: the key's fingerprint must not read it again.
    headers = {"Authorization": f"Bearer {token(Role.operator)}", "Idempotency-Key": "k-7"}
    first = await client.post("/v1/forms", data={"what": "a"}, headers=headers)
    again = await client.post("/v1/forms", data={"what": "a"}, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == {"what": "a"}
    assert again.headers["idempotent-replayed"] == "true"
