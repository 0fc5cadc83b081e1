"""Notify's fixtures: a real SMTP server (aiosmtpd → Maildir), the real registry in process, and
the context a worker gives its jobs, over sessions that really commit (cleaned up afterwards)."""

from __future__ import annotations

import email
import email.policy
import mailbox
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.embedded import EmbeddedSmtp
from libs.common.http import ServiceClient
from libs.common.settings import Settings
from services.notify.config import NotifySettings
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient


@dataclass
class SmtpServer:
    url: str
    maildir: Path
    fail_file: Path  # write "451" (or 421, 450, 452) into it: RCPT and DATA fail with that code
    reject_file: Path  # one address a line: RCPT TO them is answered 550
    server: EmbeddedSmtp


@contextmanager
def running_smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """An embedded SMTP server for one test, with its failure and rejection switches."""
    fail_file, reject_file = tmp_path / "smtp-fail", tmp_path / "smtp-reject"
    server = EmbeddedSmtp(tmp_path / "smtp", fail_file=fail_file, reject_addresses_file=reject_file)
    url = server.start()
    try:
        yield SmtpServer(url, server.maildir, fail_file, reject_file, server)
    finally:
        server.stop()


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    with running_smtp(tmp_path) as server:
        yield server


def maildir_messages(maildir: Path) -> list[EmailMessage]:
    """Every message the SMTP server accepted, parsed (headers decoded, parts walkable)."""
    if not maildir.exists():
        return []
    messages = []
    for key in mailbox.Maildir(maildir, create=False).iterkeys():
        raw = mailbox.Maildir(maildir, create=False).get_bytes(key)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


@pytest.fixture
def registry_app(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> Any:
    from services.registry.app import create_app

    app = create_app(make_settings("registry"))
    app.state.sessionmaker = sessionmaker
    return app


@pytest.fixture
async def registry_client(
    make_settings: Callable[..., Settings], registry_app: Any
) -> AsyncIterator[RegistryClient]:
    """notify's registry client over the real registry app, in the test's transaction."""
    client = ServiceClient(
        make_settings("notify"), "registry", transport=httpx.ASGITransport(app=registry_app)
    )
    yield RegistryClient(client)
    await client.aclose()


def fast_notify_settings(**overrides: Any) -> NotifySettings:
    """Knobs for tests: no waiting between sends or before retries."""
    values: dict[str, Any] = {
        "send_rate_per_second": 1000.0,
        "send_concurrency": 3,
        "backoff_base_seconds": 0.0,
        "backoff_max_seconds": 0.0,
        "max_attempts": 3,
    }
    return NotifySettings(**{**values, **overrides})


@dataclass
class Committed:
    """Job context over committing sessions, and the tag that names this test's rows."""

    ctx: dict[str, Any]
    tag: str

    def email(self, name: str) -> str:
        return f"{name}.{self.tag}@example.jp"


@pytest.fixture
async def committed_ctx(
    make_settings: Callable[..., Settings],
    engine: AsyncEngine,
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> AsyncIterator[Committed]:
    """What worker.py's startup puts in a job's ctx; rows are found and removed by the tag."""
    tag = uuid.uuid4().hex[:10]
    ctx = {
        "settings": make_settings("notify", smtp_url=smtp_server.url),
        "engine": engine,
        "sessionmaker": committed,
        "outbox": outbox,
        "notify_settings": fast_notify_settings(),
    }
    yield Committed(ctx, tag)
    await remove_tagged(committed, tag)


async def remove_tagged(committed: async_sessionmaker[AsyncSession], tag: str) -> None:
    pattern = f"%{tag}%"
    async with committed() as session, session.begin():
        ids = (
            await session.scalars(
                text("DELETE FROM notify.messages WHERE dedupe_key LIKE :p RETURNING id::text"),
                {"p": pattern},
            )
        ).all()
        await session.execute(
            text("DELETE FROM notify.deliveries WHERE email LIKE :p"), {"p": pattern}
        )
        await session.execute(
            text("DELETE FROM notify.suppressions WHERE email LIKE :p"), {"p": pattern}
        )
        await session.execute(
            text(
                "DELETE FROM notify.outbox WHERE payload::text LIKE :p "
                "OR payload->>'message_id' = ANY(:ids)"
            ),
            {"p": pattern, "ids": list(ids)},
        )


# --- campaigns, RSVP and reminders (helper G) -------------------------------------------------


@pytest.fixture
def notify_app(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    registry_client: RegistryClient,
) -> Any:
    """The notify app in the test's transaction, asking the real registry app in process."""
    from services.notify.app import create_app

    app = create_app(make_settings("notify"))
    app.state.sessionmaker = sessionmaker
    app.state.registry = registry_client
    return app


@pytest.fixture
async def notify_api(notify_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=notify_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify") as client:
        yield client


@pytest.fixture
def job_ctx(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    registry_client: RegistryClient,
) -> dict[str, Any]:
    """A worker's job context inside the test's transaction, for jobs that do not send: the
    sender commits on connections of its own, so tests that send use committed rows."""
    return {
        "settings": make_settings("notify"),
        "sessionmaker": sessionmaker,
        "outbox": outbox,
        "registry": registry_client,
        "notify_settings": fast_notify_settings(),
    }


@pytest.fixture
async def world(
    make_settings: Callable[..., Settings],
    committed: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    smtp_server: SmtpServer,
    token: Callable[..., str],
) -> AsyncIterator[Any]:
    """Registry and notify over committing sessions, for tests that send; all removed after."""
    from tests.notify.committed_world import committed_world

    async with committed_world(
        make_settings=make_settings,
        committed=committed,
        engine=engine,
        smtp_server=smtp_server,
        token=token,
        backoff_base_seconds=1.0,
        backoff_max_seconds=2.0,
        max_attempts=8,
    ) as made:
        yield made


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it out loud when the RSVP browser tests could not run here."""
    from tests.notify.cdp import chromium_binary

    if chromium_binary() is None:
        terminalreporter.write_line(
            "NOTICE: no chromium binary — the RSVP browser tests were skipped "
            "(apt-get install -y chromium to run them)",
            yellow=True,
        )
