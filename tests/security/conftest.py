"""The three apps in process and in the test's transaction (see wiring.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.settings import Settings
from tests.security.wiring import Wired, in_process_apps


@pytest.fixture
async def wired(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Wired]:
    async with in_process_apps(make_settings, sessionmaker) as made:
        yield made
