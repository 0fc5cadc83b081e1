"""Notify's own fixture, ``world``: the registry and notify over committing sessions, for tests
that send (committed_world.py). The apps, the SMTP sink and the job contexts are shared
(tests/fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.settings import Settings
from tests.fixtures.smtp import SmtpServer


@pytest.fixture
async def world(
    make_settings: Callable[..., Settings],
    committed: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    smtp_server: SmtpServer,
    token: Callable[..., str],
    request: pytest.FixtureRequest,
) -> AsyncIterator[Any]:
    """Registry and notify over committing sessions, for tests that send; all removed after.
    Parametrised indirectly, its param holds more notify knobs (``reply_address`` …)."""
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
        **getattr(request, "param", {}),
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
