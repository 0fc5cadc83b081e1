"""Inbound rate limits (libs/common/rate_limits.py), against the real Redis of the test run.

Two app instances over one Redis stand for two replicas: they count against one budget. Each
test uses its own token subjects and client addresses, so runs and tests never share a window
(the addresses are documentation prefixes that exist only in the ASGI scope: nothing is sent).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from limits import parse

from devtools.embedded import free_port
from libs.common.auth import Role, mint_token
from libs.common.settings import Settings
from services.catalogue import ServiceName

POLICY = re.compile(r'^"(?P<name>[\w-]+)";q=(?P<q>\d+);w=(?P<w>\d+)$')
REMAINING = re.compile(r'^"(?P<name>[\w-]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@asynccontextmanager
async def replicas(
    make_settings: Callable[..., Settings],
    service: ServiceName,
    client: str,
    count: int = 2,
    **limits: str,
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """``count`` apps of ``service`` with these limits, each a client from address ``client``."""
    import importlib

    module = importlib.import_module(f"services.{service}.app")
    redis_url = limits.pop("redis_url", None)
    settings = make_settings(service, **limits)
    if redis_url:  # make_settings always names the run's Redis
        settings = settings.model_copy(update={"redis_url": redis_url})
    apps: list[FastAPI] = [module.create_app(settings) for _ in range(count)]
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(client, 4321)),
            base_url=f"http://{service}",
        )
        for app in apps
    ]
    try:
        yield clients
    finally:
        for c, app in zip(clients, apps, strict=True):
            await c.aclose()
            await app.state.rate_limiter.close()


def bearer(settings: Settings, role: Role, subject: str) -> dict[str, str]:
    token = mint_token(settings, role=role, subject=subject, lg_code="112071")
    return {"Authorization": f"Bearer {token}"}


def assert_429(response: httpx.Response, policy: str, quota: int, window: int) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 429
    # Absolute, on the service's address (make run's port: no PUBLIC_BASE_URL in the tests).
    assert re.fullmatch(r"http://127\.0\.0\.1:800\d/problems/too-many-requests", problem["type"])
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window
    assert POLICY.fullmatch(response.headers["ratelimit-policy"]).groupdict() == {  # type: ignore[union-attr]
        "name": policy,
        "q": str(quota),
        "w": str(window),
    }
    remaining = REMAINING.fullmatch(response.headers["ratelimit"])
    assert remaining is not None, response.headers["ratelimit"]
    assert remaining["name"] == policy and remaining["r"] == "0"
    assert response.headers["x-request-id"]
    return retry_after


async def test_two_replicas_share_one_budget_per_token_subject(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings("registry")
    me = bearer(settings, Role.municipality, f"chichibu-{uuid.uuid4().hex}")
    other = bearer(settings, Role.municipality, f"ogano-{uuid.uuid4().hex}")
    async with replicas(
        make_settings, "registry", address(), rate_limit_authenticated="5/minute"
    ) as (a, b):
        for client in (a, b, a, b, a):
            response = await client.get("/healthz", headers=me)
            assert response.status_code == 200
            assert response.headers["ratelimit-policy"] == '"authenticated";q=5;w=60'
        assert_429(await b.get("/healthz", headers=me), "authenticated", 5, 60)
        assert_429(await a.get("/v1/projects", headers=me), "authenticated", 5, 60)
        # Another caller from the same address has its own budget.
        assert (await a.get("/healthz", headers=other)).status_code == 200


async def test_failed_authentication_is_limited_per_address(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings("review")
    forged = {"Authorization": "Bearer " + mint_token(settings, role=Role.operator) + "x"}
    attacker, bystander = address(), address()
    async with (
        replicas(make_settings, "review", attacker, rate_limit_unauthenticated="3/minute") as (
            a,
            b,
        ),
        replicas(
            make_settings, "review", bystander, count=1, rate_limit_unauthenticated="3/minute"
        ) as (c,),
    ):
        for client in (a, b, a):
            assert (await client.get("/v1/reviewers", headers=forged)).status_code == 401
        assert_429(await b.get("/v1/reviewers", headers=forged), "unauthenticated", 3, 60)
        # Once spent, no token that fails to verify is answered from that address …
        assert_429(await a.get("/healthz", headers=forged), "unauthenticated", 3, 60)
        # … but a request without credentials guesses nothing (a probe, a colleague behind the
        # same NAT opening a letter's link) and is answered,
        assert (await a.get("/v1/reviewers")).status_code == 401
        assert (await a.get("/healthz")).status_code == 200
        # a caller with a valid token is not held up by someone else's guessing,
        operator = bearer(settings, Role.operator, f"office-{uuid.uuid4().hex}")
        assert (await a.get("/healthz", headers=operator)).status_code == 200
        # and another address still gets its 401.
        assert (await c.get("/v1/reviewers", headers=forged)).status_code == 401


async def test_requests_that_do_not_fail_authentication_do_not_count(
    make_settings: Callable[..., Settings],
) -> None:
    """Probes, /docs and /openapi.json come without a token and never answer 401."""
    async with replicas(
        make_settings, "notify", address(), count=1, rate_limit_unauthenticated="2/minute"
    ) as (client,):
        for _ in range(6):
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/openapi.json")).status_code == 200


async def test_rsvp_and_unsubscribe_links_are_limited_per_address(
    make_settings: Callable[..., Settings],
) -> None:
    async with replicas(make_settings, "notify", address(), rate_limit_public="3/minute") as (a, b):
        pages = [
            await a.get("/v1/rsvp/not-a-signed-link"),
            await b.get("/v1/unsubscribe/not-a-signed-link"),
            await a.post("/v1/unsubscribe/not-a-signed-link"),
        ]
        for index, page in enumerate(pages):
            assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
            assert page.headers["ratelimit-policy"] == '"public";q=3;w=60'
            remaining = REMAINING.fullmatch(page.headers["ratelimit"])
            assert remaining is not None and int(remaining["r"]) == 2 - index
        assert_429(await b.post("/v1/rsvp/not-a-signed-link"), "public", 3, 60)
    async with replicas(
        make_settings, "notify", address(), count=1, rate_limit_public="3/minute"
    ) as (fresh,):
        assert (await fresh.get("/v1/rsvp/not-a-signed-link")).status_code == 400


async def test_several_limits_in_one_setting_each_hold(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings("registry")
    me = bearer(settings, Role.partner, f"catalogue-{uuid.uuid4().hex}")
    async with replicas(
        make_settings,
        "registry",
        address(),
        count=1,
        rate_limit_authenticated="100/minute;2/hour",
    ) as (client,):
        for _ in range(2):
            assert (await client.get("/healthz", headers=me)).status_code == 200
        refused = await client.get("/healthz", headers=me)
        assert refused.status_code == 429
        assert refused.headers["ratelimit-policy"] == (
            '"authenticated";q=100;w=60, "authenticated-1";q=2;w=3600'
        )
        assert refused.headers["ratelimit"].startswith('"authenticated-1";r=0;')


async def test_without_redis_the_limits_fail_open_with_a_log_line_and_a_metric(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings = make_settings("registry")
    me = bearer(settings, Role.operator, f"office-{uuid.uuid4().hex}")
    forged = {"Authorization": "Bearer " + mint_token(settings, role=Role.operator) + "x"}
    async with replicas(
        make_settings,
        "registry",
        address(),
        count=1,
        redis_url=nowhere,
        rate_limit_authenticated="1/minute",
        rate_limit_unauthenticated="1/minute",
    ) as (client,):
        for _ in range(3):
            assert (await client.get("/healthz", headers=me)).status_code == 200
            assert (await client.get("/v1/projects", headers=forged)).status_code == 401
        app = client._transport.app  # type: ignore[attr-defined]
        unchecked = app.state.metrics.registry.get_sample_value(
            "jisso_rate_limit_unchecked_total", {"service": "registry"}
        )
        assert unchecked == 6
    output = capsys.readouterr().out
    assert output.count('"rate_limits_unavailable"') == 1  # once per outage, not per request


def test_the_defaults_are_generous_for_authenticated_calls_and_strict_for_guessing() -> None:
    defaults = Settings()
    authenticated = parse(defaults.rate_limit_authenticated)
    assert authenticated.amount / authenticated.get_expiry() >= 50  # per second, per caller
    for strict in (defaults.rate_limit_unauthenticated, defaults.rate_limit_public):
        item = parse(strict)
        assert item.amount / item.get_expiry() <= 1
