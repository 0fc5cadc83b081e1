"""The chaos harness: the whole system started per test, on servers the tests may break.

PostgreSQL is an embedded server of this test session, not the shared test server: the tests
terminate its backends and open many connections, which must never reach another session's
databases. It holds a template database (migrated and seeded once); each test gets a copy. Redis
and SMTP are per test (see harness.System).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.embedded import EmbeddedPostgres, free_port
from libs.common.migrations import upgrade
from libs.common.settings import load_settings
from services.catalogue import SERVICE_NAMES
from tests.chaos.harness import System

TEMPLATE = "chaos_template"


@pytest.fixture(scope="session")
def chaos_postgres() -> Iterator[str]:
    """Outside pytest's temp root: every pytest session that starts (anyone's) makes that root
    0700 again, and PostgreSQL, which runs as its own account when we are root, would lose it."""
    data_dir = Path(tempfile.mkdtemp(prefix="jisso-chaos-"))
    server = EmbeddedPostgres(data_dir, free_port())
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _database(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _admin(admin_url: str, sql: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture(scope="session")
async def chaos_template(chaos_postgres: str) -> str:
    """Migrated for every service and seeded, as `jisso up` leaves a new data dir."""
    from services.registry.seed import run_seed

    await _admin(chaos_postgres, f'CREATE DATABASE "{TEMPLATE}"')
    url = _database(chaos_postgres, TEMPLATE)
    for service in SERVICE_NAMES:
        await upgrade(service, url)
    await run_seed(load_settings("registry", database_url=url, environment="test"))
    return TEMPLATE


@pytest.fixture(scope="module")
async def chaos_database(chaos_postgres: str, chaos_template: str) -> AsyncIterator[str]:
    name = f"chaos_{uuid.uuid4().hex[:8]}"
    await _admin(chaos_postgres, f'CREATE DATABASE "{name}" TEMPLATE "{chaos_template}"')
    yield _database(chaos_postgres, name)
    await _admin(chaos_postgres, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def system_options() -> dict[str, Any]:
    """How a module's system runs; a module overrides it (``workers``, ``schedulers``, ``held``)."""
    return {}


@pytest.fixture(scope="module")
async def system(
    chaos_database: str,
    system_options: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """One system per test module (starting one costs a dozen seconds of CPU); each test leaves
    it healed and quiescent for the next."""
    options = dict(system_options)
    held = options.pop("held", ())
    system = System(tmp_path_factory.mktemp("system"), chaos_database, **options)
    try:
        await system.start(held=held)
        yield system
    finally:
        await system.close()


@pytest.fixture(autouse=True)
async def healed(system: System) -> AsyncIterator[None]:
    yield
    await system.heal()
