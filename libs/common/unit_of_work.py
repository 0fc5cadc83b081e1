"""The one transaction boundary (単一のトランザクション境界): requests, jobs, CLI commands, the seed
and the mail sender all change data through :func:`unit_of_work`.

It begins, yields a session, commits once and then relays the outbox messages the transaction
wrote — inline (jobs, commands, the sender: their follow-up messages leave at once) or in the
background (requests: the response is not held for Redis; bounded, the outbox sweep covers what
is skipped). Stale data (``version_id_col``) becomes 412 and a lost connection 503.

Requests go through :class:`UnitOfWorkRoute`, which commits *before* the response is sent:
FastAPI runs the exit code of ``yield`` dependencies after the response may already be on its
way, so a failed commit could follow a 2xx; endpoints never commit. Reads made of single
statements need no unit of work: they run in autocommit (``ReadOnly``),
except behind a transaction-mode pooler (``DATABASE_POOLER=transaction``), where they run in a
transaction: asyncpg prepares and executes in two exchanges, which the pooler may lend two
different server connections outside one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol

import structlog
from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from libs.common.errors import PreconditionFailed, ServiceUnavailable
from libs.common.idempotency import Replayed, idempotency_key

log = structlog.get_logger(__name__)
IDEMPOTENCY_KEY = Depends(idempotency_key)

_PENDING_OUTBOX_IDS = "jisso.pending_outbox_ids"
# Background relays in flight per process; past this the outbox sweep (every 5 s) publishes.
MAX_BACKGROUND_RELAYS = 64
_background: set[asyncio.Task[Any]] = set()


class Relay(Protocol):
    """What publishes committed outbox rows (``libs.common.outbox.OutboxRelay``)."""

    async def publish(self, ids: list[uuid.UUID]) -> None: ...


def note_outbox_messages(session: AsyncSession, ids: Iterable[uuid.UUID]) -> None:
    """Remember outbox rows written in this transaction, for the boundary to relay after commit."""
    session.info.setdefault(_PENDING_OUTBOX_IDS, []).extend(ids)


async def discard(session: AsyncSession) -> None:
    """Roll back what the unit did so far (a dry run, a refused request); nothing is relayed."""
    session.info.pop(_PENDING_OUTBOX_IDS, None)
    await session.rollback()


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    relay: Relay | None = None,
    background: bool = False,
) -> AsyncIterator[AsyncSession]:
    """Commit once when the block ends without error, roll back otherwise; then relay."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except StaleDataError as exc:
            await session.rollback()
            raise PreconditionFailed(
                "処理中にこのリソースが変更されました。読み直してから再試行してください"
                "（the resource changed while this request ran）"
            ) from exc
        except DBAPIError as exc:
            await session.rollback()
            if exc.connection_invalidated:
                raise lost_connection(exc) from exc
            raise
        except BaseException:
            await session.rollback()
            raise
        ids: list[uuid.UUID] = session.info.pop(_PENDING_OUTBOX_IDS, [])
    if relay is None or not ids:
        return
    if background:
        _relay_in_background(relay, ids)
    else:
        await _relay_now(relay, ids)


async def _relay_now(relay: Relay, ids: list[uuid.UUID]) -> None:
    try:
        await relay.publish(ids)
    except Exception as exc:  # committed already: the outbox sweep publishes it later
        log.warning("outbox_prompt_relay_failed", error=str(exc), messages=len(ids))


def _relay_in_background(relay: Relay, ids: list[uuid.UUID]) -> None:
    if len(_background) >= MAX_BACKGROUND_RELAYS:
        log.info("outbox_relay_left_to_sweep", messages=len(ids))
        return
    task = asyncio.create_task(_relay_now(relay, ids))
    _background.add(task)
    task.add_done_callback(_background.discard)


def lost_connection(exc: Exception) -> ServiceUnavailable:
    # A lost connection is the database's trouble, not a bug: a clean 503 the client may retry
    # (with its Idempotency-Key), and the pool reconnects.
    log.warning("database_connection_lost", error=str(getattr(exc, "orig", exc)))
    return ServiceUnavailable(
        "データベースとの接続が切れました。再試行してください"
        "（the database connection was lost; retry the request）",
        service="database",
    )


class UnitOfWorkRoute(APIRoute):
    """Each request in one :func:`unit_of_work`; an error response rolls it back. Every POST
    takes an ``Idempotency-Key`` (libs/common/idempotency.py), its answer stored in the same
    transaction as what it did."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies = kwargs.get("dependencies") or ()
        # Declared again on the app's router (libs/common/flat_routes.py), it has its key already.
        if "POST" in (kwargs.get("methods") or ()) and IDEMPOTENCY_KEY not in dependencies:
            kwargs["dependencies"] = [*dependencies, IDEMPOTENCY_KEY]
        self.reads_only = any(getattr(d, "dependency", None) is read_only for d in dependencies)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # A read taking no session (libs/common/driver_reads.py ReadsDep) needs no unit of work.
        self.sessionless = (self.methods or set()) <= {"GET", "HEAD"} and not _uses(
            self.dependant, get_session
        )
        if self.sessionless:
            return handler
        if self.reads_only:
            return _reading(handler)

        async def run_in_unit_of_work(request: Request) -> Response:
            state = request.app.state
            async with unit_of_work(
                state.sessionmaker, relay=request_relay(request), background=True
            ) as session:
                request.state.session = session
                if "idempotency-key" in request.headers:
                    # Read (and cached) before FastAPI parses it: a form parser consumes the
                    # stream, and the key's fingerprint needs the body as sent.
                    await request.body()
                try:
                    response = await handler(request)
                except Replayed as replay:
                    return replay.response
                if response.status_code >= 400:
                    await discard(session)
                elif reservation := getattr(request.state, "idempotency", None):
                    await reservation.store(session, response)
                return response

        return run_in_unit_of_work


def _uses(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _uses(d, call) for d in dependant.dependencies)


def _reading(
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """A ``ReadOnly`` route's session: nothing to commit nor relay, only closed."""

    async def read(request: Request) -> Response:
        async with request.app.state.sessionmaker() as session:
            request.state.session = session
            return await handler(request)

    return read


def request_relay(request: Request) -> Relay | None:
    """The app's relay once Redis has been reached (``libs.common.redis_pool``); until then the
    outbox sweep publishes."""
    make_relay = getattr(request.app.state, "make_relay", None)
    redis = getattr(request.app.state, "redis", None)
    if make_relay is None or redis is None:
        return None
    relay: Relay = make_relay(redis)
    return relay


async def get_session(request: Request) -> AsyncSession:
    # async: FastAPI would run a plain function in a worker thread, a hop per request.
    session: AsyncSession = request.state.session
    return session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def read_only(request: Request, session: SessionDep) -> None:
    """Route dependency of reads made of single statements: they run in autocommit, sparing the
    BEGIN and COMMIT round trips; one statement sees one snapshot without a transaction. A session
    joined to a caller's connection (tests run each in a transaction) reads inside it, and so
    does one behind a transaction-mode pooler (see the module's docstring)."""
    if isinstance(session.bind, AsyncEngine) and not _behind_transaction_pooler(request):
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _behind_transaction_pooler(request: Request) -> bool:
    return bool(request.app.state.settings.database_pooler == "transaction")


ReadOnly = Depends(read_only)
