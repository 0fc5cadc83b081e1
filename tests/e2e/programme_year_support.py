"""The world of ``test_programme_year.py``: a database of its own, migrated and loaded by the real
seed functions (committed, as ``jisso seed`` leaves it), the registry and review apps in process on
committing sessions, the review's clock, and the workers' jobs run by hand.

Everything commits, as in production, so the operator's sweep (``run_sweep``, the CLI's path with
its future guard, on connections of its own) and notify's sender see what the APIs wrote. The
database is dropped afterwards: nothing is cleaned up row by row, and no other test sees it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from libs.common.auth import Role, mint_token
from libs.common.migrations import upgrade
from libs.common.settings import Settings, load_settings
from services.catalogue import SERVICE_NAMES, ServiceName
from services.review.registry_client import RegistryClient
from tests.databases import scratch_database
from tests.fixtures.apps import FrozenClock, build_app, client_of
from tests.fixtures.clients import bearer
from tests.fixtures.servers import NO_RATE_LIMITS
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import fast_notify_settings, worker_context
from tests.review.continuation_support import outbox_rows

# The deck's list page is 「R3.8.24時点」: the seed's own term sweep runs as of that day, so the
# year starts with the seed's projects as they stood then.
SEED_DAY = date(2021, 8, 24)


@dataclass
class Year:
    """One programme year's services, clock and jobs; ``auth`` mints a caller's header."""

    settings: dict[ServiceName, Settings]
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: FrozenClock
    registry: httpx.AsyncClient
    review: httpx.AsyncClient
    review_registry: RegistryClient
    smtp: SmtpServer
    seed_lines: list[str] = field(default_factory=list)

    def auth(self, role: Role = Role.operator, **claims: Any) -> dict[str, str]:
        claims.setdefault("subject", f"{role}-year")
        return bearer(mint_token(self.settings["registry"], role=role, **claims))

    @property
    def operator(self) -> dict[str, str]:
        return self.auth()

    @property
    def partner(self) -> dict[str, str]:
        return self.auth(Role.partner)

    def municipality(self, lg_code: str) -> dict[str, str]:
        return self.auth(Role.municipality, lg_code=lg_code, subject=f"lg-{lg_code}")

    def review_ctx(self) -> dict[str, Any]:
        return worker_context(
            "review", self.settings["review"], self.sessions, registry=self.review_registry
        )

    def registry_ctx(self) -> dict[str, Any]:
        return worker_context("registry", self.settings["registry"], self.sessions)

    async def sweep(self, as_of: str, *, apply_future: bool = False) -> dict[str, int]:
        """``jisso review sweep --as-of`` as the operator runs it, judged against the year's
        clock: an ``as_of`` ahead of it needs ``apply_future`` (``--apply-future-effects-now``)."""
        from services.review.config import get_review_settings
        from services.review.continuation.commands import run_sweep
        from services.review.continuation.sweeps.service import parse_as_of

        report = await run_sweep(
            self.settings["review"],
            get_review_settings(),
            as_of=parse_as_of(as_of),
            dry_run=False,
            apply_future=apply_future,
            now=self.clock(),
        )
        return {k: v for k, v in report.counts.items() if v}

    async def outbox(self, function: str) -> list[dict[str, Any]]:
        """The review outbox's payloads to ``function``, oldest first."""
        async with self.sessions() as session:
            return await outbox_rows(session, function)

    async def run_jobs(self, job: Callable[..., Any], function: str) -> list[Any]:
        """What a review worker does with each of the outbox's messages to ``function``."""
        ctx = self.review_ctx()
        return [await job(ctx, payload) for payload in await self.outbox(function)]

    async def deliver(self) -> list[EmailMessage]:
        """Notify's worker on every letter the review asked for (each job twice, as arq may),
        then its sender to the SMTP sink; what the sink holds."""
        from services.notify.deliveries.tasks import send_due_deliveries
        from services.notify.messages.tasks import send_transactional

        notify = load_settings(
            "notify",
            database_url=self.settings["notify"].database_url,
            redis_url=self.settings["notify"].redis_url,
            environment="test",
            smtp_url=self.smtp.url,
        )
        ctx = worker_context(
            "notify",
            notify,
            self.sessions,
            engine=self.engine,
            notify_settings=fast_notify_settings(),
        )
        payloads = await self.outbox("send_transactional")
        for payload in payloads:
            assert (await send_transactional(ctx, payload))["created"] is True
            assert (await send_transactional(ctx, payload))["created"] is False
        recipients = sum(len(p["recipients"]) for p in payloads)
        assert await send_due_deliveries(ctx, {}) == {"sent": recipients}
        assert await send_due_deliveries(ctx, {}) == {}
        return self.smtp.received()


def subjects(messages: list[EmailMessage]) -> Counter[str]:
    """Each subject up to its last 「：」 (what follows names the project)."""
    return Counter(str(m["Subject"]).rsplit("：", 1)[0] for m in messages)


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    """A problem+json answer with ``rule`` (at its top, or on its first error)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    found = body.get("rule") or (body.get("errors") or [{}])[0].get("rule")
    assert found == rule, body
    return body


async def seed(settings: dict[ServiceName, Settings]) -> list[str]:
    """What ``jisso seed`` does (``services/seed.py``), with the registry's term sweep as of
    ``SEED_DAY``: the registry's facts, then the review's FY2021 round on their programmes."""
    from services.registry import seed as registry_seed
    from services.review import seed as review_seed

    await registry_seed.run_seed(settings["registry"], today=SEED_DAY)
    programmes = await registry_seed.seeded_programmes(settings["registry"])
    return await review_seed.run_seed(settings["review"], programmes=programmes)


@asynccontextmanager
async def programme_year(admin_url: str, redis_url: str, smtp: SmtpServer) -> AsyncIterator[Year]:
    """A migrated, freshly seeded database of its own and the apps on it, the clock at the
    seed's day; dropped on exit."""
    async with scratch_database(admin_url, prefix="jisso_year") as url:
        for service in SERVICE_NAMES:
            await upgrade(service, url)
        settings = {
            service: load_settings(
                service, database_url=url, redis_url=redis_url, environment="test", **NO_RATE_LIMITS
            )
            for service in SERVICE_NAMES
        }
        lines = await seed(settings)
        engine = create_async_engine(url, pool_size=5)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        clock = FrozenClock(datetime.combine(SEED_DAY, time(10)))
        registry_app = build_app("registry", settings["registry"], sessions)
        review_registry = RegistryClient.from_settings(
            settings["review"], transport=httpx.ASGITransport(app=registry_app)
        )
        review_app = build_app(
            "review", settings["review"], sessions, registry=review_registry, clock=clock
        )
        try:
            async with (
                client_of(registry_app, "registry") as registry,
                client_of(review_app, "review") as review,
            ):
                yield Year(
                    settings,
                    engine,
                    sessions,
                    clock,
                    registry,
                    review,
                    review_registry,
                    smtp,
                    lines,
                )
        finally:
            await review_registry.aclose()
            await engine.dispose()
