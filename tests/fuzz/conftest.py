"""The fuzzed apps: all three in process, in the test's transaction, called as an operator.

Schemathesis's tests are plain functions (its own async support runs coroutines on whatever loop
is current, not the one the test's connection lives on): each example runs on ``Target.loop``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.settings import Settings
from tests.fixtures.world import prepare
from tests.security.wiring import Wired, in_process_apps


@dataclass
class Target:
    wired: Wired
    connection: AsyncConnection
    headers: dict[str, str]
    loop: asyncio.AbstractEventLoop

    def run(self, work: Coroutine[Any, Any, None]) -> None:
        self.loop.run_until_complete(work)


@pytest.fixture
async def target(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    connection: AsyncConnection,
    token: Callable[..., str],
    session: AsyncSession,
) -> AsyncIterator[Target]:
    await prepare(session)  # the ☆ programme and a few local governments, as a seeded registry has
    async with in_process_apps(make_settings, sessionmaker) as wired:
        headers = {"Authorization": f"Bearer {token(Role.operator)}"}
        yield Target(wired, connection, headers, asyncio.get_running_loop())
