"""The three apps in process, in the test's transaction, review and notify asking the real registry.

Shared by tests/security and tests/fuzz: every request any of them makes, to itself or to the
registry, runs on the test's connection and is rolled back with it. Also here: route paths filled
with ids that name nothing, and a fingerprint of a service's tables to show a call changed none.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from libs.common.http import ServiceClient
from libs.common.settings import Settings
from services.catalogue import SERVICE_NAMES
from services.notify.registry_client import RegistryClient as NotifyRegistryClient
from services.review.registry_client import RegistryClient as ReviewRegistryClient
from tests.fixtures.apps import build_app
from tests.security.callers import OTHER_LG_CODE

# Values for path parameters that name nothing: every allowed call ends in 404 or 422.
NOWHERE = str(uuid.UUID(int=0x5EC))
PATH_VALUES = {
    "code": OTHER_LG_CODE,
    "fiscal_year": "2021",
    "programme_id": "no-such-programme",
    "scheme_id": "no-such-scheme",
    "slug": "validation",
    "subject": "no-such-reviewer",
    "token": "not-a-signed-link",
}
PARAMETER = re.compile(r"{(\w+)}")


def fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        assert name.endswith("_id"), f"{path}: give {{{name}}} a value in PATH_VALUES"
        return NOWHERE

    return PARAMETER.sub(value, path)


@dataclass
class Wired:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]


@asynccontextmanager
async def in_process_apps(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Wired]:
    apps: dict[str, FastAPI] = {
        service: build_app(service, make_settings(service), sessionmaker)
        for service in SERVICE_NAMES
    }
    to_registry = httpx.ASGITransport(app=apps["registry"])
    review_registry = ReviewRegistryClient.from_settings(
        make_settings("review"), transport=to_registry
    )
    notify_registry = NotifyRegistryClient(
        ServiceClient(make_settings("notify"), "registry", transport=to_registry)
    )
    apps["review"].state.registry = review_registry
    apps["notify"].state.registry = notify_registry
    # An unhandled error reaches the caller as the app's 500 response, as it would over HTTP.
    clients = {
        service: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url=f"http://{service}",
        )
        for service, app in apps.items()
    }
    try:
        yield Wired(apps, clients)
    finally:
        for client in clients.values():
            await client.aclose()
        await review_registry.aclose()
        await notify_registry.client.aclose()


async def fingerprint(connection: AsyncConnection, schema: str) -> dict[str, tuple[int, int]]:
    """(row count, sum of row hashes) of every table of a service's schema: any insert, update or
    delete changes it."""
    tables = (
        await connection.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_type = 'BASE TABLE' ORDER BY table_name"
            ),
            {"schema": schema},
        )
    ).scalars()
    parts = [
        f"SELECT '{name}', count(*), coalesce(sum(hashtext(t::text)), 0) FROM {schema}.\"{name}\" t"
        for name in tables
    ]
    rows = await connection.execute(text(" UNION ALL ".join(parts)))
    return {str(name): (int(count), int(digest)) for name, count, digest in rows}
