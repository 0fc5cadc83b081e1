"""Readiness fails the right thing, and a dependency's blip is a 503 to retry, never a 500.

- PostgreSQL cut under a running app (a proxy in front of the real server, closed then reopened):
  requests answer 503 problem+json naming the database with ``Retry-After``, ``/readyz`` is 503,
  ``/healthz`` stays 200, and once the database is back the same app answers 200 again.
- Redis away: ``/readyz`` stays 200 (Redis reported, not required) and requests are served.
- notify's readiness never opens an SMTP connection: an SMTP server that is not there changes
  nothing; the worker's SMTP check sets ``jisso_smtp_up`` instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from devtools.embedded import free_port
from libs.common.settings import Settings
from services.notify.letters.smtp_health import SMTP_CHECK_SECONDS, SMTP_UP, smtp_health_check
from tests.fixtures.apps import client_of
from tests.fixtures.clients import Auth
from tests.fixtures.smtp import SmtpServer
from tests.ops.cuttable import CuttableProxy


def _app(service: str, settings: Settings) -> FastAPI:
    from services import runtime

    return runtime.create_app(service, settings)  # type: ignore[arg-type]


def _with(settings: Settings, **changes: str) -> Settings:
    return settings.model_copy(update=changes)


@pytest.fixture
async def proxied_database(database_url: str) -> AsyncIterator[tuple[str, CuttableProxy]]:
    url = make_url(database_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    await proxy.cut()


async def test_a_database_blip_is_a_503_with_retry_after_and_the_pod_recovers(
    make_settings: Callable[..., Settings],
    proxied_database: tuple[str, CuttableProxy],
    auth: Auth,
) -> None:
    url, proxy = proxied_database
    app = _app("registry", _with(make_settings("registry"), database_url=url))
    async with app.router.lifespan_context(app), client_of(app, "registry") as client:
        assert (await client.get("/v1/projects", headers=auth())).status_code == 200
        await proxy.cut()
        # A list, another list, and a single read.
        for path in ("/v1/projects", "/v1/local-governments", f"/v1/projects/{uuid.uuid4()}"):
            answer = await client.get(path, headers=auth())
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
            assert answer.json()["service"] == "database"
            assert answer.json()["type"].endswith("/problems/unavailable")
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
        assert ready.json()["checks"]["database"].startswith("error")
        assert (await client.get("/healthz")).status_code == 200
        await proxy.open()
        await _eventually(lambda: client.get("/v1/projects", headers=auth()), 200)
        assert (await client.get("/readyz")).status_code == 200


async def test_redis_away_leaves_the_pod_ready_and_serving(
    make_settings: Callable[..., Settings], auth: Auth
) -> None:
    settings = _with(make_settings("registry"), redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = _app("registry", settings)
    async with app.router.lifespan_context(app), client_of(app, "registry") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
        assert ready.json()["checks"]["redis"].startswith("error")
        assert (await client.get("/v1/projects", headers=auth())).status_code == 200


async def test_notify_is_ready_whatever_the_smtp_server_does(
    make_settings: Callable[..., Settings],
) -> None:
    settings = _with(make_settings("notify"), smtp_url=f"smtp://127.0.0.1:{free_port()}")
    app = _app("notify", settings)
    async with app.router.lifespan_context(app), client_of(app, "notify") as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"database", "redis"}


async def test_the_workers_smtp_check_sets_the_gauges(smtp_server: SmtpServer) -> None:
    await smtp_health_check(smtp_server.url)()
    assert SMTP_UP._value.get() == 1
    assert 0 < SMTP_CHECK_SECONDS._value.get() < 3
    await smtp_health_check(f"smtp://127.0.0.1:{free_port()}")()
    assert SMTP_UP._value.get() == 0


async def _eventually(call: Callable[[], object], status: int, within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await call()  # type: ignore[misc]
        assert isinstance(answer, httpx.Response)
        if answer.status_code == status:
            return
        assert asyncio.get_running_loop().time() < deadline, answer.text
        await asyncio.sleep(0.2)
