"""Review fixtures: the real registry app in-process, a review app that calls it, a settable clock.

Both apps run their requests in the test's transaction (``sessionmaker``), so everything a test
writes — in the registry and in the review schema — is rolled back at its end.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.auth import Role, mint_token
from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.review.models import outbox
from services.review.registry_client import RegistryClient


class FrozenClock:
    """The review app's clock, moved by the test (naive times are Tokyo time)."""

    def __init__(self, at: str = "2021-08-24T10:00:00") -> None:
        self.at = self._parse(at)

    @staticmethod
    def _parse(value: str) -> datetime:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=TOKYO) if moment.tzinfo is None else moment

    def set(self, value: str) -> None:
        self.at = self._parse(value)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def registry_app(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> FastAPI:
    from services.registry.app import create_app

    app = create_app(make_settings("registry"))
    app.state.sessionmaker = sessionmaker
    return app


@pytest.fixture
async def registry_client(
    make_settings: Callable[..., Settings], registry_app: FastAPI
) -> AsyncIterator[RegistryClient]:
    client = RegistryClient.from_settings(
        make_settings("review"), transport=httpx.ASGITransport(app=registry_app)
    )
    yield client
    await client.aclose()


@pytest.fixture
async def registry(registry_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The registry over HTTP, for setting up projects as an operator would."""
    transport = httpx.ASGITransport(app=registry_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        yield client


@pytest.fixture
def review_app(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    registry_client: RegistryClient,
    clock: FrozenClock,
) -> FastAPI:
    from services.review.app import create_app

    app = create_app(make_settings("review"))
    app.state.sessionmaker = sessionmaker
    app.state.registry = registry_client
    app.state.clock = clock
    return app


@pytest.fixture
async def review(review_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=review_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://review") as client:
        yield client


@pytest.fixture
def job_ctx(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    registry_client: RegistryClient,
) -> dict[str, Any]:
    """What a review worker hands its jobs, with the in-process registry."""
    return {
        "settings": make_settings("review"),
        "sessionmaker": sessionmaker,
        "outbox": outbox,
        "registry": registry_client,
    }


@dataclass
class Smtp:
    url: str
    maildir: Path

    def received(self) -> list[EmailMessage]:
        """Every message the SMTP server accepted, parsed."""
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        parsed = [
            email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            for key in box.iterkeys()
        ]
        return [m for m in parsed if isinstance(m, EmailMessage)]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[Smtp]:
    """A real SMTP server (aiosmtpd) writing what it accepts to a Maildir."""
    from libs.common.embedded import EmbeddedSmtp

    server = EmbeddedSmtp(tmp_path / "smtp")
    url = server.start()
    yield Smtp(url, server.maildir)
    server.stop()


@pytest.fixture
async def notify_ctx(
    make_settings: Callable[..., Settings],
    engine: AsyncEngine,
    committed: async_sessionmaker[AsyncSession],
    smtp: Smtp,
) -> AsyncIterator[dict[str, Any]]:
    """What a notify worker hands its jobs, on committing sessions: notify's sender records
    ``sent`` on connections of its own, which see committed rows only. The review's messages
    carry no reference to the test's uncommitted rows, so they can be delivered this way; every
    notify row made here is removed afterwards."""
    from services.notify.config import NotifySettings
    from services.notify.messages.models import Message
    from services.notify.models import applied_effects as notify_effects
    from services.notify.models import outbox as notify_outbox

    async with committed() as session:
        started = await session.scalar(select(func.now()))
    yield {
        "settings": make_settings("notify", smtp_url=smtp.url),
        "engine": engine,
        "sessionmaker": committed,
        "outbox": notify_outbox,
        "notify_settings": NotifySettings(
            send_rate_per_second=1000.0,
            send_concurrency=1,
            backoff_base_seconds=0.0,
            backoff_max_seconds=0.0,
        ),
    }
    async with committed() as session, session.begin():
        await session.execute(delete(Message).where(Message.created_at >= started))
        await session.execute(delete(notify_outbox).where(notify_outbox.c.created_at >= started))
        await session.execute(delete(notify_effects).where(notify_effects.c.applied_at >= started))


@pytest.fixture
def auth(make_settings: Callable[..., Settings]) -> Callable[..., dict[str, str]]:
    """``auth(Role.operator)`` → an Authorization header (claims as keyword arguments); one
    subject per role unless given, so Idempotency-Keys (kept per caller) replay across calls."""
    settings = make_settings("review")

    def header(role: Role, **claims: Any) -> dict[str, str]:
        claims.setdefault("subject", f"{role}-test")
        return {"Authorization": f"Bearer {mint_token(settings, role=role, **claims)}"}

    return header
