"""Real PostgreSQL and Redis for every test: TEST_DATABASE_URL / TEST_REDIS_URL when set, else embedded.

Each test runs inside a transaction that is rolled back (the app's commits become savepoints);
tests that need committed data across connections use ``committed`` and clean up after themselves.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from libs.common.auth import Role, mint_token
from libs.common.migrations import upgrade
from libs.common.queue import connect
from libs.common.settings import SERVICE_NAMES, ServiceName, Settings, load_settings
from tests.databases import scratch_database


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(PostgreSQL admin URL, Redis URL): the given ones, or embedded servers for this run."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    started = []
    if not database_url or not redis_url:
        from libs.common.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

        base: Path = tmp_path_factory.mktemp("servers")
        if not database_url:
            started.append(EmbeddedPostgres(base, free_port()))
            database_url = started[-1].start()
        if not redis_url:
            started.append(EmbeddedRedis(base, free_port()))
            redis_url = started[-1].start()
    yield database_url, redis_url
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
async def database_url(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    """A fresh database for this run, migrated to head for every service."""
    async with scratch_database(server_urls[0]) as url:
        for service in SERVICE_NAMES:
            await upgrade(service, url)
        yield url


@pytest.fixture(scope="session")
def redis_url(server_urls: tuple[str, str]) -> str:
    return server_urls[1]


# In-process apps all call from 127.0.0.1, and the whole suite answers thousands of 401s and
# requests per token: the rate limits are lifted here (empty: no limit) and tested with their own
# settings in tests/security/test_rate_limits.py.
NO_RATE_LIMITS = {
    "rate_limit_public": "",
    "rate_limit_authenticated": "",
    "rate_limit_unauthenticated": "",
}


@pytest.fixture(scope="session")
def make_settings(database_url: str, redis_url: str) -> Callable[..., Settings]:
    def build(service: ServiceName, **overrides: object) -> Settings:
        return load_settings(
            service,
            database_url=database_url,
            redis_url=redis_url,
            environment="test",
            **{**NO_RATE_LIMITS, **overrides},
        )

    return build


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions inside the test's transaction: their commits are savepoints, rolled back at the end."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def committed(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that really commit (for concurrency tests); such tests clean up what they write."""
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await connect(redis_url)
    yield pool
    await pool.aclose()


@pytest.fixture
def token(make_settings: Callable[..., Settings]) -> Callable[..., str]:
    settings = make_settings("registry")

    def mint(role: Role | str, **claims: str) -> str:
        return mint_token(settings, role=role, **claims)

    return mint


@pytest.fixture
def api(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> Callable[[ServiceName], httpx.AsyncClient]:
    """An HTTP client for a service's app, its requests running in the test's transaction."""
    import importlib

    clients: list[httpx.AsyncClient] = []

    def client(service: ServiceName) -> httpx.AsyncClient:
        module = importlib.import_module(f"services.{service}.app")
        app = module.create_app(make_settings(service))
        app.state.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=app)
        c = httpx.AsyncClient(transport=transport, base_url=f"http://{service}")
        clients.append(c)
        return c

    return client
