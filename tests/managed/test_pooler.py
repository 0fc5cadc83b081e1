"""Behind a real PgBouncer in transaction mode (``DATABASE_POOLER=transaction``): the migrations,
API requests, the outbox relay and the one-sender lock work, and without the setting the
statements asyncpg prepares meet another client's on a shared server connection."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from arq.connections import ArqRedis
from sqlalchemy import delete, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from libs.common.auth import Role, mint_token
from libs.common.db import create_engine
from libs.common.migrations import alembic_config
from libs.common.outbox import add_message, relay
from libs.common.queue import queue_name
from libs.common.settings import Settings, load_settings
from services.catalogue import SERVICE_NAMES
from services.notify.deliveries.repository import sender_lock
from services.notify.deliveries.tasks import send_due_deliveries
from services.notify.messages.tasks import send_transactional
from services.registry.app import create_app
from services.registry.models import outbox
from tests.fixtures.apps import client_of
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import fast_notify_settings, worker_context

pytestmark = pytest.mark.db

Pooled = Callable[..., Settings]


@pytest.fixture
def pooled(pooled_database_url: str, redis_url: str) -> Pooled:
    """Settings of a service on the database behind PgBouncer."""

    def build(
        service: str = "registry", pooler: str = "transaction", **overrides: object
    ) -> Settings:
        return load_settings(
            service,
            database_url=pooled_database_url,
            redis_url=redis_url,
            environment="test",
            database_pooler=pooler,
            rate_limit_public="",
            rate_limit_authenticated="",
            rate_limit_unauthenticated="",
            **overrides,
        )

    return build


@pytest.fixture
async def pooled_engine(pooled: Pooled) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pooled(), pool_size=4)
    yield engine
    await engine.dispose()


async def _two_clients_in_turn(engine: AsyncEngine, rounds: int) -> None:
    """The first client runs a statement, then runs it again while the second holds the server
    connection it ran on the first time: PgBouncer lends it another one, where a statement it
    prepared and cached on the first does not exist."""
    query = text("SELECT count(*) + CAST(:n AS integer) FROM registry.outbox")
    async with engine.connect() as first, engine.connect() as second:
        for n in range(rounds):
            await first.execute(query, {"n": n})
            await first.commit()
            await second.execute(text("SELECT 1"))  # its transaction holds a server connection
            await first.execute(query, {"n": n})
            await first.commit()
            await second.commit()


async def test_migrations_ran_through_the_pooler_to_head(pooled_engine: AsyncEngine) -> None:
    async with pooled_engine.connect() as connection:
        for service in SERVICE_NAMES:
            head = ScriptDirectory.from_config(alembic_config(service)).get_current_head()
            version = await connection.scalar(
                text(f'SELECT version_num FROM "{service}".alembic_version')
            )
            assert version == head, service


async def test_without_the_setting_prepared_statements_collide(pooled: Pooled) -> None:
    engine = create_engine(pooled(pooler="none"), pool_size=2)
    try:
        with pytest.raises((DBAPIError, asyncpg.PostgresError), match="prepared statement"):
            await _two_clients_in_turn(engine, rounds=5)
    finally:
        await engine.dispose()


async def test_with_the_setting_clients_share_server_connections(
    pooled_engine: AsyncEngine,
) -> None:
    await _two_clients_in_turn(pooled_engine, rounds=20)
    # More clients than PgBouncer's two server connections, all at once (each transaction short:
    # two pairs of the above would hold both and wait for a third, which is starvation).
    await asyncio.gather(*(_short_reads(pooled_engine) for _ in range(6)))


async def _short_reads(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        for n in range(5):
            await connection.execute(text("SELECT CAST(:n AS integer)"), {"n": n})
            await connection.commit()


async def test_api_requests_through_the_pooler(pooled: Pooled) -> None:
    settings = pooled()
    app = create_app(settings)
    operator = {"Authorization": f"Bearer {mint_token(settings, role=Role.operator)}"}
    try:
        async with client_of(app, "registry") as registry:
            created = await registry.post(
                "/v1/local-governments", json={"code": "112071", "name": "秩父市"}, headers=operator
            )
            assert created.status_code == 201, created.text
            reads = await asyncio.gather(
                *(
                    registry.get(path, headers=operator)
                    for path in ["/v1/local-governments/112071", "/v1/local-governments"] * 10
                )
            )
            assert [r.status_code for r in reads] == [200] * 20, [r.text for r in reads]
            assert reads[0].json()["name"] == "秩父市"
    finally:
        await app.state.engine.dispose()
        if (redis := getattr(app.state, "redis", None)) is not None:
            await redis.aclose()


async def test_the_outbox_relays_through_the_pooler(
    pooled_engine: AsyncEngine, redis: ArqRedis
) -> None:
    sessionmaker = async_sessionmaker(pooled_engine, expire_on_commit=False)
    queue = f"pooled-{uuid.uuid4().hex[:8]}"
    try:
        async with sessionmaker() as session, session.begin():
            for n in range(3):
                await add_message(session, outbox, queue=queue, function="noop", payload={"n": n})
        assert await relay(sessionmaker, outbox, redis) >= 3
        assert await redis.zcard(queue_name(queue)) == 3
    finally:
        async with sessionmaker() as session, session.begin():
            await session.execute(delete(outbox).where(outbox.c.queue == queue))
        await redis.delete(queue_name(queue))


async def test_one_sender_at_a_time_through_the_pooler(pooled_engine: AsyncEngine) -> None:
    """A session lock would stay on the server connection PgBouncer lends the next client, who
    would then hold it too; the transaction's lock is held by its holder alone."""
    async with sender_lock(pooled_engine) as first:
        assert first
        async with sender_lock(pooled_engine) as second:
            assert not second
    async with sender_lock(pooled_engine) as after:
        assert after


async def test_the_notify_sender_delivers_through_the_pooler(
    pooled: Pooled, smtp_server: SmtpServer
) -> None:
    """The sender's whole run: its lock's transaction, claims, and each ``sent`` written on the
    driver's connection in a transaction committed behind the end-of-data marker."""
    settings = pooled("notify", smtp_url=smtp_server.url)
    engine = create_engine(settings, pool_size=4)
    ctx = worker_context(
        "notify",
        settings,
        async_sessionmaker(engine, expire_on_commit=False),
        engine=engine,
        notify_settings=fast_notify_settings(),
    )
    tag = uuid.uuid4().hex[:10]
    recipients = [{"name": "受信者", "email": f"{n}.{tag}@example.jp"} for n in ("aoki", "baba")]
    try:
        await send_transactional(
            ctx,
            {
                "kind": "continuation_decision",
                "dedupe_key": f"decision:{tag}",
                "context": DECISION,
                "recipients": recipients,
            },
        )
        assert await send_due_deliveries(ctx, {}) == {"sent": 2}
        assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_server.received()) == [
            r["email"] for r in recipients
        ]
    finally:
        await engine.dispose()


DECISION = {
    "project_name": "ドローン物流実装事業",
    "local_government": "秩父市",
    "decision": "approved",
    "decided_on": "2021-12-17",
    "term_end": "2024-03-31",
}
