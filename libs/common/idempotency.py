"""``Idempotency-Key`` on every POST: a repeated request gets the first response.

Every POST route takes the header (``UnitOfWorkRoute`` adds :func:`idempotency_key` to it), so a
client may retry any create or send after a timeout without doing it twice. The key is scoped to
the caller (the token's subject) and bound to the first request's method, path and body (canonical
JSON): the same key with another path or body is a 422. It is reserved by an INSERT in the
request's own transaction, so a concurrent duplicate waits on the primary key until the first
commits, then replays what it stored; an answer of 4xx or 5xx rolls the reservation back with
everything else, so a retry after an error runs again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import principal_of
from libs.common.errors import InvalidInput


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("route", String(300), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer),
        Column("body", JSONB),
        Column("headers", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )


class Replayed(Exception):
    """The request repeats an earlier one: ``response`` is the first answer, stored."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


@dataclass
class Reservation:
    """A key reserved by this request; its answer is stored when the request succeeds."""

    table: Table
    principal: str
    key: str

    async def store(self, session: AsyncSession, response: Response) -> None:
        body = getattr(response, "body", b"")
        media = response.headers.get("content-type", "")
        stored = json.loads(body) if body and "json" in media else None
        kept = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
        t = self.table
        await session.execute(
            update(t)
            .where(t.c.principal == self.principal, t.c.key == self.key)
            .values(status_code=response.status_code, body=stored, headers=kept)
        )


# What a replay repeats of the first answer besides its status and body.
_REPLAYED_HEADERS = frozenset({"location", "etag", "idempotent-replayed"})


def fingerprint(body: bytes, content_type: str) -> str:
    """What makes two requests "the same": a JSON body as canonical JSON (key order, spacing and
    escapes do not matter), any other body as its bytes."""
    if "json" in content_type:
        try:
            value = json.loads(body)
        except ValueError:
            pass  # not JSON after all: the route refuses it; its bytes name it
        else:
            body = json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
    return hashlib.sha256(body).hexdigest()


async def reserve(request: Request, key: str) -> Reservation | None:
    """Reserve ``key`` for this caller and request, or raise :class:`Replayed` with the answer
    of the earlier request that used it. The INSERT takes the key in the request's transaction,
    so a concurrent duplicate waits on the primary key until the first commits, then replays."""
    table: Table | None = getattr(request.app.state, "idempotency_keys", None)
    if table is None or "authorization" not in request.headers:
        return None  # a public page (nobody to scope the key to) or a 401 to come
    principal = (await principal_of(request)).actor
    route = f"{request.method} {request.url.path}"
    digest = fingerprint(await request.body(), request.headers.get("content-type", ""))
    session: AsyncSession = request.state.session
    reserved = await session.execute(
        pg_insert(table)
        .values(principal=principal, key=key, route=route, fingerprint=digest)
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )
    if reserved.scalar_one_or_none() is not None:
        return Reservation(table, principal, key)
    row = (
        await session.execute(
            select(table).where(table.c.principal == principal, table.c.key == key)
        )
    ).one()
    if row.route != route or row.fingerprint != digest:
        raise InvalidInput.field(
            "header.Idempotency-Key",
            "idempotency_key_reused",
            "この Idempotency-Key は別の内容のリクエストに使われています"
            "（the key was used for a different request）",
        )
    headers = {**(row.headers or {}), "Idempotent-Replayed": "true"}
    if row.body is None:
        raise Replayed(Response(status_code=row.status_code, headers=headers))
    raise Replayed(JSONResponse(row.body, status_code=row.status_code, headers=headers))


async def idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="同じキーの再送には最初の応答を返す（repeat a POST safely: the same key, "
            "from the same caller, to the same path with the same body returns the first answer "
            "with `Idempotent-Replayed: true`; with another path or body it is a 422 "
            "`idempotency_key_reused`）",
        ),
    ] = None,
) -> None:
    """Every POST's dependency (``UnitOfWorkRoute`` adds it): reserve the key or replay."""
    if idempotency_key is not None:
        request.state.idempotency = await reserve(request, idempotency_key)


def json_body(value: Any) -> Any:
    """A response model as JSON-ready data (datetimes as ISO strings)."""
    return json.loads(value.model_dump_json()) if hasattr(value, "model_dump_json") else value
