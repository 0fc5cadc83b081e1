"""One unit of work per request: the route commits once, before the response leaves.

FastAPI runs the exit code of ``yield`` dependencies after the response may already be on its way,
so a failed commit could follow a 2xx. Committing in the route handler instead means a client only
sees success for what is durably stored; endpoints themselves never commit.

Reads made of single statements need no unit of work: they run in autocommit (``ReadOnly``,
``driver_connection``); a hot one may have a fast path (``libs/common/fast_path.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.util import greenlet_spawn

from libs.common.db import connection_lost
from libs.common.errors import PreconditionFailed, ServiceUnavailable
from libs.common.outbox import PENDING_OUTBOX_IDS, relay

log = structlog.get_logger(__name__)
_background: set[asyncio.Task[Any]] = set()


class UnitOfWorkRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run_in_unit_of_work(request: Request) -> Response:
            sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
            async with sessionmaker() as session:
                request.state.session = session
                try:
                    response = await handler(request)
                    if response.status_code >= 400:
                        await session.rollback()
                        return response
                    await session.commit()
                except StaleDataError as exc:
                    await session.rollback()
                    raise PreconditionFailed("the resource changed while this request ran") from exc
                except DBAPIError as exc:
                    await session.rollback()
                    if exc.connection_invalidated:
                        raise _connection_lost(exc) from exc
                    raise
                except BaseException:
                    await session.rollback()
                    raise
                _relay_soon(request, session.info.pop(PENDING_OUTBOX_IDS, []))
                return response

        return run_in_unit_of_work


def _connection_lost(exc: Exception) -> ServiceUnavailable:
    # A lost connection is the database's trouble, not a bug: a clean 503 the client may retry
    # (with its Idempotency-Key), and the pool reconnects.
    log.warning("database_connection_lost", error=str(getattr(exc, "orig", exc)))
    return ServiceUnavailable(
        "データベースとの接続が切れました。再試行してください"
        "（the database connection was lost; retry the request）",
        service="database",
    )


def _relay_soon(request: Request, ids: list[Any]) -> None:
    """Publish just-committed outbox rows now; the worker's sweep covers any that this misses."""
    outbox = getattr(request.app.state, "outbox", None)
    redis = getattr(request.app.state, "redis", None)
    if not ids or outbox is None or redis is None:
        return

    async def publish() -> None:
        try:
            await relay(request.app.state.sessionmaker, outbox, redis, ids=ids)
        except Exception as exc:
            log.warning("outbox_prompt_relay_failed", error=str(exc))

    task = asyncio.create_task(publish())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def get_session(request: Request) -> AsyncSession:
    # async: FastAPI would run a plain function in a worker thread, a hop per request.
    session: AsyncSession = request.state.session
    return session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def read_only(session: SessionDep) -> None:
    """Route dependency of reads made of single statements: they run in autocommit, sparing the
    BEGIN and COMMIT round trips; one statement sees one snapshot without a transaction. A session
    joined to a caller's connection (tests run each in a transaction) reads inside it."""
    if isinstance(session.bind, AsyncEngine):
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


ReadOnly = Depends(read_only)


@asynccontextmanager
async def driver_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """The database driver's own connection, for a fast path's read of one statement: from the
    engine's pool, in autocommit (an asyncpg connection outside a transaction). A sessionmaker
    bound to a connection (tests run each in a transaction) lends that one, so the read sees
    what the test wrote."""
    bind = request.app.state.sessionmaker.kw["bind"]
    if isinstance(bind, AsyncConnection):
        yield (await bind.get_raw_connection()).driver_connection
        return
    pooled = await bind.raw_connection()  # the database down: DBAPIError, as for any route
    try:
        yield pooled.driver_connection
    except Exception as exc:
        if not connection_lost(exc):
            raise
        await greenlet_spawn(pooled.invalidate, exc)
        raise _connection_lost(exc) from exc
    finally:
        await greenlet_spawn(pooled.close)
