"""Reads compiled once per shape and run by the driver (asyncpg) on a pooled connection.

SQLAlchemy still builds each statement, compiles it (once per shape, not per request) and lends
the connection from its pool; only the execution is asyncpg's. Around a one-statement read,
Core's execution — the statement's cache key, an execution context, a cursor result whose column
map is adapted to each new statement object, greenlet hops — was a fifth of a project's read and
a quarter of a contact page's (bench/notes.md). Written here because SQLAlchemy has no public way
to run a compiled statement without that machinery.

Rows are the driver's, as named tuples of the statement's column keys: attribute access and
``_fields`` as SQLAlchemy's rows have. A statement is refused when SQLAlchemy would convert any of
its parameters, or a result column of a type whose driver value differs from SQLAlchemy's
(:data:`_DRIVER_VALUES`): its rows could differ.

Where the connection comes from: a route whose reads are all compiled takes :data:`ReadsDep`
instead of a session, and the pool lends the connection without a session around it (a
session's begin, connection and close cost a tenth of a one-row read), back when the request
ends; the reads run in autocommit. Behind a transaction-mode pooler (``DATABASE_POOLER=
transaction``) each runs in a transaction, since asyncpg prepares and executes in two exchanges,
which the pooler could lend two server connections; on a caller's connection (tests run each in
a transaction) each runs in a savepoint, as a session's statements would.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import NullType, TypeEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from libs.common.db import connection_lost
from libs.common.unit_of_work import lost_connection

DIALECT = asyncpg_dialect()
# Types whose values the driver returns as SQLAlchemy would: an enum column (db.state_type) reads
# as its value, a str that compares and serialises as the member does; JSON is decoded by the codec
# the dialect registers. Anything else (a TypeDecorator, Numeric, a string UUID) is refused.
_DRIVER_VALUES = (String, Integer, Boolean, Date, DateTime, Uuid, JSON, ARRAY, NullType)
MAX_SHAPES = 256


class CompiledRead:
    """One statement compiled for asyncpg: its text, its parameters in order, its row type."""

    def __init__(self, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=DIALECT)
        if compiled._bind_processors:
            raise ValueError(f"parameters SQLAlchemy converts: {sorted(compiled._bind_processors)}")
        for column in statement.selected_columns:
            if not _driver_value(column.type):
                raise ValueError(f"SQLAlchemy converts column {column.key} ({column.type!r})")
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        # Values written into the statement (``literal()``) travel as parameters too.
        self._fixed = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        self.row: Any = namedtuple("Row", [column.key for column in statement.selected_columns])  # type: ignore[misc]

    async def all(self, reads: Reads, params: Mapping[str, Any]) -> list[Any]:
        given = {**self._fixed, **params} if self._fixed else params
        records = await reads.fetch(self.sql, [given[name] for name in self.names])
        make = self.row._make
        return [make(record) for record in records]

    async def first(self, reads: Reads, params: Mapping[str, Any]) -> Any | None:
        rows = await self.all(reads, params)
        return rows[0] if rows else None


class Reads:
    """A request's pooled connection for compiled reads, checked out on the first one. Bound to a
    connection already (tests run each in a transaction), it reads on that one, each read in a
    savepoint as a session's would be: a refused statement must not abort the caller's
    transaction."""

    def __init__(self, bind: AsyncEngine | AsyncConnection, *, in_transactions: bool) -> None:
        self._bind = bind
        # Behind a transaction-mode pooler (module doc), or on a caller's connection.
        self._in_transactions = in_transactions or isinstance(bind, AsyncConnection)
        self._lent: PoolProxiedConnection | None = None

    async def fetch(self, sql: str, arguments: list[Any]) -> list[Any]:
        lent = self._lent or await self._checkout()
        driver: asyncpg.Connection = lent.driver_connection
        try:
            if self._in_transactions:
                async with driver.transaction():  # a savepoint inside a transaction
                    return list(await driver.fetch(sql, *arguments))
            return list(await driver.fetch(sql, *arguments))
        except Exception as exc:
            if not connection_lost(exc):
                raise
            # As SQLAlchemy does with a connection its execution finds gone: never pooled again.
            if isinstance(self._bind, AsyncEngine):
                lent.invalidate(exc)
            raise lost_connection(exc) from exc

    async def _checkout(self) -> PoolProxiedConnection:
        if isinstance(self._bind, AsyncConnection):
            self._lent = await self._bind.get_raw_connection()
        else:
            self._lent = await greenlet_spawn(self._bind.sync_engine.raw_connection)
        return self._lent

    async def release(self) -> None:
        lent, self._lent = self._lent, None
        if lent is not None and isinstance(self._bind, AsyncEngine):
            await greenlet_spawn(lent.close)


async def request_reads(request: Request) -> AsyncIterator[Reads]:
    state = request.app.state
    reads = Reads(
        state.sessionmaker.kw["bind"],
        in_transactions=state.settings.database_pooler == "transaction",
    )
    try:
        yield reads
    finally:
        await reads.release()


ReadsDep = Annotated[Reads, Depends(request_reads)]


def _driver_value(kind: TypeEngine[Any]) -> bool:
    if isinstance(kind, TypeDecorator) or not isinstance(kind, _DRIVER_VALUES):
        return False
    if isinstance(kind, ARRAY):
        return _driver_value(kind.item_type)
    return not isinstance(kind, Uuid) or kind.as_uuid


class Shapes:
    """Statements built by ``build(shape)`` and compiled once per shape: which filters a list has,
    not their values (those are parameters). Bounded: shapes come from a route's finite options."""

    def __init__(self, build: Callable[[Any], Select[Any]]) -> None:
        self._build = build
        self._compiled: dict[Hashable, CompiledRead] = {}

    def __getitem__(self, shape: Hashable) -> CompiledRead:
        read = self._compiled.get(shape)
        if read is None:
            if len(self._compiled) >= MAX_SHAPES:
                self._compiled.clear()
            read = self._compiled[shape] = CompiledRead(self._build(shape))
        return read
