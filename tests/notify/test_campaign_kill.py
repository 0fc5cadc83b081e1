"""A campaign of 2,000 recipients sent by a real worker process that is killed with SIGKILL midway
and started again: the SMTP server receives each recipient's letter exactly once.

Committed data throughout (the worker is another process): registry rows are written with the
ORM, the campaign is drafted and approved through notify's API, everything is removed at the end.
"""

from __future__ import annotations

import asyncio
import email.policy
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path

import httpx
import pytest
from httpx import URL
from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from libs.common.http import ServiceClient
from libs.common.outbox import relay
from libs.common.queue import QueueRedis, connect, publish, queue_name
from libs.common.settings import Settings
from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient
from services.registry.contacts.models import Contact
from services.registry.symposia.models import Symposium
from tests.fixtures.apps import build_app, client_of
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.e2e
RECIPIENTS = 2_000
KILL_AT = 500
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def registry_rows(committed: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """A symposium for local-government staff and 2,000 of them, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:10]
    starts = datetime(2098, 6, 1, 13, 30, tzinfo=TOKYO)
    symposium = Symposium(
        fiscal_year=2098,
        number=random.randint(1, 99),
        theme=f"大量配信 {tag}",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        audience=["local_government"],
        sequence=0,
    )
    async with committed() as session, session.begin():
        session.add(symposium)
        session.add_all(
            Contact(
                name=f"受信者{i}",
                email=f"kill{i:04d}.{tag}@city.example.jp",
                stakeholder_category="local_government",
                search_key="",
            )
            for i in range(RECIPIENTS)
        )
    yield str(symposium.id)
    async with committed() as session, session.begin():
        campaigns = select(Campaign.id).where(Campaign.symposium_id == symposium.id)
        keys = select(cast(Campaign.id, String)).where(Campaign.symposium_id == symposium.id)
        await session.execute(
            delete(outbox).where(outbox.c.payload["campaign_id"].astext.in_(keys))
        )
        await session.execute(delete(Delivery).where(Delivery.campaign_id.in_(campaigns)))
        await session.execute(delete(Campaign).where(Campaign.symposium_id == symposium.id))
        await session.execute(delete(Contact).where(Contact.email.like(f"%.{tag}@%")))
        await session.execute(delete(Symposium).where(Symposium.id == symposium.id))


@pytest.fixture
async def notify_committed(
    make_settings: Callable[..., Settings], committed: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """notify's API over committing sessions, asking the registry app (also committing)."""
    registry = build_app("registry", make_settings("registry"), committed)
    client = ServiceClient(
        make_settings("notify"), "registry", transport=httpx.ASGITransport(app=registry)
    )
    app = build_app("notify", make_settings("notify"), committed, registry=RegistryClient(client))
    async with client_of(app, "notify") as api:
        yield api
    await client.aclose()


class Workers:
    """`jisso worker --service notify` processes, each in its own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker", "--service", "notify"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@dataclass
class Queue:
    """The test Redis, in a database of its own: a worker of another test session sharing this
    Redis (its queue names are the same) must not take this test's jobs, nor this worker theirs."""

    url: str
    redis: QueueRedis
    job_ids: list[str] = field(default_factory=list)

    async def tick_sender(self) -> None:
        """What the scheduler's 10-second periodic does: one more send job."""
        job_id = f"notify.send_due_deliveries:test-{time.monotonic_ns()}"
        await publish(
            self.redis, queue="notify", function="send_due_deliveries", payload={}, job_id=job_id
        )
        self.job_ids.append(job_id)

    async def forget_jobs(self) -> None:
        """The killed worker's job stays queued; no later worker should ever run it."""
        for job_id in self.job_ids:
            await self.redis.zrem(queue_name("notify"), job_id)
            await self.redis.delete(
                *(f"arq:{kind}:{job_id}" for kind in ("job", "in-progress", "result", "retry"))
            )


@pytest.fixture
async def queue(redis_url: str) -> AsyncIterator[Queue]:
    url = str(URL(redis_url).copy_with(path=f"/{random.randint(1, 15)}"))
    own = Queue(url, await connect(url))
    yield own
    await own.forget_jobs()
    await own.redis.aclose()


@pytest.fixture
def workers(
    database_url: str,
    queue: Queue,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> Iterator[Workers]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": queue.url,
        "SMTP_URL": smtp_server.url,
        "ENVIRONMENT": "test",
        "PYTHONPATH": str(ROOT),
        # 200 a second: the kill lands mid-campaign, not after it.
        "NOTIFY_SEND_RATE_PER_SECOND": "200",
        "NOTIFY_SEND_CONCURRENCY": "4",
        # Rows the killed worker left in `sending` are claimed again after 3 s, not 5 minutes.
        "NOTIFY_SENDING_LEASE_SECONDS": "3",
    }
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop_all()


def delivered(maildir: Path) -> int:
    new = maildir / "new"
    return len(os.listdir(new)) if new.exists() else 0


def received_headers(maildir: Path) -> list[Message]:
    """The headers of every message in the Maildir (one pass; 2,000 files)."""
    parser = BytesHeaderParser(policy=email.policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted((maildir / "new").iterdir())]


async def sent_count(
    committed: async_sessionmaker[AsyncSession], campaign_id: str
) -> dict[str, int]:
    async with committed() as session:
        rows = await session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.campaign_id == uuid.UUID(campaign_id))
            .group_by(Delivery.state)
        )
        return {state: int(n) for state, n in rows.all()}


async def test_a_worker_killed_midway_and_restarted_sends_each_letter_once(
    registry_rows: str,
    notify_committed: httpx.AsyncClient,
    token: Callable[..., str],
    committed: async_sessionmaker[AsyncSession],
    queue: Queue,
    smtp_server: SmtpServer,
    workers: Workers,
) -> None:
    operator = {"Authorization": f"Bearer {token(Role.operator)}"}
    draft = await notify_committed.post(
        "/v1/campaigns",
        json={"symposium_id": registry_rows, "kind": "invitation"},
        headers=operator,
    )
    assert draft.status_code == 201, draft.text
    campaign_id = draft.json()["id"]
    assert draft.json()["recipient_count"] == RECIPIENTS
    approved = await notify_committed.post(
        f"/v1/campaigns/{campaign_id}/approval",
        headers={**operator, "If-Match": draft.headers["ETag"]},
    )
    assert approved.json()["status"] == "sending"

    first = workers.start()
    # The approval's outbox row, published as the API would right after its commit.
    async with committed() as session:
        ids = (
            await session.scalars(
                select(outbox.c.id).where(outbox.c.payload["campaign_id"].astext == campaign_id)
            )
        ).all()
    assert await relay(committed, outbox, queue.redis, ids=list(ids)) == 1
    queue.job_ids.extend(str(i) for i in ids)

    deadline = time.monotonic() + 120
    while delivered(smtp_server.maildir) < KILL_AT:
        assert first.poll() is None, "the worker exited on its own"
        assert time.monotonic() < deadline, f"only {delivered(smtp_server.maildir)} sent in 120 s"
        await asyncio.sleep(0.01)
    workers.kill(first)
    at_kill = delivered(smtp_server.maildir)
    states_at_kill = await sent_count(committed, campaign_id)
    assert KILL_AT <= at_kill < RECIPIENTS, "killed midway"
    assert states_at_kill.get("queued", 0) > 0

    workers.start()
    deadline = time.monotonic() + 180
    while (states := await sent_count(committed, campaign_id)).get("sent") != RECIPIENTS:
        assert set(states) <= {"sent", "sending", "queued"}, states
        assert time.monotonic() < deadline, f"not all sent after the restart: {states}"
        await queue.tick_sender()
        await asyncio.sleep(2)

    messages = received_headers(smtp_server.maildir)
    message_ids = {str(m["Message-ID"]) for m in messages}
    addresses = {str(m["To"]) for m in messages}
    assert len(messages) == RECIPIENTS
    assert len(message_ids) == RECIPIENTS
    assert len(addresses) == RECIPIENTS
    async with committed() as session:
        expected = set(
            (
                await session.scalars(
                    select(Delivery.smtp_message_id).where(
                        Delivery.campaign_id == uuid.UUID(campaign_id)
                    )
                )
            ).all()
        )
    assert message_ids == expected
    finished = await notify_committed.get(f"/v1/campaigns/{campaign_id}", headers=operator)
    assert finished.json()["counts"] == {"sent": RECIPIENTS}
    assert finished.json()["status"] == "done"
