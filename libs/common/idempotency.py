"""``Idempotency-Key`` on POSTs that create or send: a repeated request gets the first response.

The key is reserved by an INSERT in the request's own transaction, so a concurrent duplicate waits
on the unique index until the first commits, then replays what it stored; nothing is done twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
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

from libs.common.auth import Principal, current_principal
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


@dataclass
class Idempotency:
    session: AsyncSession
    table: Table | None
    principal: str
    key: str | None
    route: str
    fingerprint: str

    async def replay(self) -> JSONResponse | None:
        """The stored response of an earlier request with this key, or None (and the key
        reserved)."""
        if self.key is None or self.table is None:
            return None
        t = self.table
        reserved = await self.session.execute(
            pg_insert(t)
            .values(
                principal=self.principal,
                key=self.key,
                route=self.route,
                fingerprint=self.fingerprint,
            )
            .on_conflict_do_nothing()
            .returning(t.c.key)
        )
        if reserved.scalar_one_or_none() is not None:
            return None
        row = (
            await self.session.execute(
                select(t).where(t.c.principal == self.principal, t.c.key == self.key)
            )
        ).one()
        if row.route != self.route or row.fingerprint != self.fingerprint:
            raise InvalidInput.field(
                "header.Idempotency-Key",
                "idempotency_key_reused",
                "この Idempotency-Key は別の内容のリクエストに使われています"
                "（the key was used for a different request）",
            )
        headers = {**(row.headers or {}), "Idempotent-Replayed": "true"}
        return JSONResponse(row.body, status_code=row.status_code, headers=headers)

    async def remember(
        self, body: Any, *, status_code: int, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        response = JSONResponse(body, status_code=status_code, headers=headers)
        if self.key is not None and self.table is not None:
            t = self.table
            await self.session.execute(
                update(t)
                .where(t.c.principal == self.principal, t.c.key == self.key)
                .values(status_code=status_code, body=body, headers=headers or {})
            )
        return response


async def idempotency(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Repeat a POST safely: the same key returns the first response",
        ),
    ] = None,
) -> Idempotency:
    body = await request.body()
    return Idempotency(
        session=request.state.session,
        table=getattr(request.app.state, "idempotency_keys", None),
        principal=principal.actor,
        key=idempotency_key,
        route=f"{request.method} {request.url.path}",
        fingerprint=hashlib.sha256(body).hexdigest(),
    )


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


def json_body(value: Any) -> Any:
    """A response model as stored JSON (datetimes as ISO strings)."""
    return json.loads(value.model_dump_json()) if hasattr(value, "model_dump_json") else value
