"""What the read path saves per request keeps its guarantees: autocommit reads, pooled
connections checked without a ping per checkout, verified tokens remembered until they expire."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import pytest
from fastapi import Request
from pydantic_core import from_json
from sqlalchemy import JSON, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common import auth, db
from libs.common.auth import Role, decode_token, mint_token
from libs.common.errors import Unauthorized
from libs.common.settings import Settings
from libs.common.unit_of_work import UnitOfWorkRoute, read_only


@pytest.fixture
async def service_engine(make_settings: Callable[..., Settings]) -> AsyncIterator[AsyncEngine]:
    """The engine the services build (``create_engine``), one pooled connection."""
    engine = db.create_engine(make_settings("registry", db_pool_size=1, db_max_overflow=0))
    yield engine
    await engine.dispose()


async def _backend_pid(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")))


async def test_a_read_only_route_reads_outside_a_transaction(service_engine: AsyncEngine) -> None:
    async with async_sessionmaker(service_engine)() as session:
        await read_only(_request(service_engine), session)
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()

        assert raw.driver_connection is not None
        assert not raw.driver_connection.is_in_transaction()


def _request(engine: AsyncEngine, pooler: str = "none") -> Request:
    state = SimpleNamespace(
        sessionmaker=async_sessionmaker(engine),
        settings=SimpleNamespace(database_pooler=pooler),
    )
    return Request({"type": "http", "app": SimpleNamespace(state=state)})


async def test_behind_a_transaction_pooler_reads_run_in_a_transaction(
    service_engine: AsyncEngine,
) -> None:
    """PgBouncer in transaction mode may lend asyncpg's prepare and its execute two server
    connections unless one transaction holds them together (libs/common/db.py)."""
    request = _request(service_engine, pooler="transaction")
    async with async_sessionmaker(service_engine)() as session:
        await read_only(request, session)
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection.is_in_transaction()


async def test_a_pooled_connection_the_server_ended_is_replaced(
    service_engine: AsyncEngine, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessionmaker = async_sessionmaker(service_engine)
    ended = await _backend_pid(sessionmaker)
    async with engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ended})
    # Whether or not the client noticed the closed socket yet, the ping of an idle one does.
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", -1.0)

    assert await _backend_pid(sessionmaker) != ended


def test_a_remembered_token_still_expires(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings("registry")
    token = mint_token(settings, role=Role.operator, subject="clock", ttl_seconds=60)
    issued = auth.time.time()
    assert decode_token(settings, token).subject == "clock"

    monkeypatch.setattr(auth.time, "time", lambda: issued + 61)
    with pytest.raises(Unauthorized, match="expired"):
        decode_token(settings, token)


async def test_json_columns_are_decoded_by_pydantic_core_as_json_loads_would(
    service_engine: AsyncEngine,
) -> None:
    """The engine's JSON decoder (``libs/common/db.py``) is pydantic_core's parser: the values it
    gives for ``json`` and ``jsonb`` are the ones the standard library's would."""
    document = '{"proposers": [{"lg_code": "112071", "name": "秩父市"}], "n": 2.5, "x": null}'
    assert service_engine.dialect._json_deserializer is from_json  # type: ignore[attr-defined]
    async with service_engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT CAST(:d AS json) AS j, CAST(:d AS jsonb) AS b").columns(
                    j=JSON, b=JSONB
                ),
                {"d": document},
            )
        ).one()
    assert row.j == row.b == json.loads(document)


def test_read_routes_skip_the_unit_of_work(make_settings: Callable[..., Settings]) -> None:
    """A ``ReadOnly`` route's session is closed, never committed; a GET taking no session at all
    (``ReadsDep``: compiled reads on a lent connection) has none. Nothing a read does is written."""
    from services.registry.app import create_app

    app = create_app(make_settings("registry"))
    routes = {(r.path, *sorted(r.methods)): r for r in app.routes if isinstance(r, UnitOfWorkRoute)}
    declared = {
        key for key, r in routes.items() if any(d.dependency is read_only for d in r.dependencies)
    }
    assert {key for key, r in routes.items() if r.reads_only} == declared
    assert ("/v1/projects", "GET") in declared
    sessionless = {key for key, r in routes.items() if r.sessionless}
    assert {
        ("/v1/projects/{project_id}", "GET"),
        ("/v1/contacts", "GET"),
        ("/v1/contacts/{contact_id}", "GET"),
    } <= sessionless
    assert all(set(methods) <= {"GET", "HEAD"} for _, *methods in sessionless), sessionless
