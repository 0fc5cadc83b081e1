"""A database of its own for a test run or a migration test: created on the server, dropped
after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.db import async_url


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str = "jisso_test") -> AsyncIterator[str]:
    """The URL of a new, empty database on ``server_url``'s server; dropped (forced) on exit."""
    admin_url = make_url(async_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
