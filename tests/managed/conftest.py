"""PgBouncer in front of the test PostgreSQL, and a database of its own migrated through it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import make_url

from libs.common.migrations import upgrade
from services.catalogue import SERVICE_NAMES
from tests.databases import scratch_database
from tests.managed.servers import pgbouncer


@pytest.fixture(scope="session")
def pgbouncer_url(server_urls: tuple[str, str]) -> Iterator[str]:
    with pgbouncer(server_urls[0]) as url:
        yield url


@pytest.fixture(scope="session")
async def pooled_database_url(
    server_urls: tuple[str, str], pgbouncer_url: str
) -> AsyncIterator[str]:
    """A new database reached through PgBouncer, every service migrated through it."""
    async with scratch_database(server_urls[0], prefix="jisso_pooled") as direct:
        name = make_url(direct).database
        url = make_url(pgbouncer_url).set(database=name).render_as_string(hide_password=False)
        for service in SERVICE_NAMES:
            await upgrade(service, url, pooler="transaction")
        yield url
