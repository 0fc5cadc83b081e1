"""The shared HTTP kernel on a real app: problem+json, auth, request ids, one commit per request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.app import create_service_app
from libs.common.auth import Principal, Role, require
from libs.common.errors import Conflict
from libs.common.etag import check_if_match
from libs.common.metrics_endpoint import render
from libs.common.settings import Settings
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.models import outbox

router = APIRouter(route_class=UnitOfWorkRoute)
Operator = Annotated[Principal, Depends(require(Role.operator))]


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    count: int = Field(ge=0)


@router.post("/v1/things", status_code=201)
async def create_thing(body: Thing, principal: Operator, session: SessionDep) -> dict[str, str]:
    await session.execute(
        text("INSERT INTO registry.applied_effects (key) VALUES (:k)"), {"k": body.name}
    )
    if body.count == 409:
        raise Conflict("the thing conflicts", thing=body.name)
    return {"actor": principal.actor}


@router.post("/v1/uploads")
async def upload(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.put("/v1/things/current")
async def replace_thing(if_match: Annotated[str | None, Header()] = None) -> dict[str, str]:
    check_if_match(if_match, '"thing-1"')
    return {"etag": '"thing-1"'}


@router.get("/v1/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@pytest.fixture
async def client(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings=make_settings("registry"),
        title="t",
        description="t",
        version="0",
        routers=[router],
        outbox=outbox,
    )
    app.state.sessionmaker = sessionmaker
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def japanese_first(detail: str, english: str) -> None:
    """The house style (issue 16): Japanese first, the English kept after it in （…）."""
    japanese, _, rest = detail.partition("（")
    assert not japanese.isascii(), detail
    assert english in rest and detail.endswith("）"), detail


async def count_keys(session: AsyncSession, key: str) -> int:
    result = await session.scalar(
        text("SELECT count(*) FROM registry.applied_effects WHERE key = :k"), {"k": key}
    )
    return int(result or 0)


async def test_no_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/things", json={"name": "a", "count": 1})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.headers["www-authenticate"] == "Bearer"
    japanese_first(response.json()["detail"], "Authorization: Bearer <token> is required")


async def test_partner_token_on_operator_route_is_403(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await client.post(
        "/v1/things", json={"name": "a", "count": 1}, headers=bearer(token(Role.partner))
    )
    assert response.status_code == 403
    japanese_first(
        response.json()["detail"], "role 'partner' may not do this (needs one of: operator)"
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: jwt.encode({"sub": "x", "role": "operator", "iss": "jisso"}, s, "HS256"),
        lambda s: jwt.encode(
            {"sub": "x", "role": "operator", "iss": "jisso", "iat": 0, "exp": 1}, s, "HS256"
        ),
        lambda s: jwt.encode(
            {"sub": "x", "role": "operator", "iss": "jisso", "iat": 0, "exp": 2**31},
            "another-secret-of-sufficient-length-000",
            "HS256",
        ),
        lambda s: jwt.encode(
            {"sub": "x", "role": "operator", "iss": "jisso", "iat": 0, "exp": 2**31},
            s * 2,
            "HS512",
        ),
        lambda s: jwt.encode(
            {"sub": "x", "role": "root", "iss": "jisso", "iat": 0, "exp": 2**31}, s, "HS256"
        ),
    ],
    ids=["no-exp", "expired", "wrong-signature", "wrong-algorithm", "unknown-role"],
)
async def test_bad_tokens_are_401(
    client: httpx.AsyncClient, make_settings: Callable[..., Settings], forge: Callable[[str], str]
) -> None:
    secret = make_settings("registry").jwt_secret
    response = await client.post(
        "/v1/things", json={"name": "a", "count": 1}, headers=bearer(forge(secret))
    )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    japanese_first(response.json()["detail"], "invalid token: ")


async def test_if_match_missing_or_stale_is_japanese_first(client: httpx.AsyncClient) -> None:
    missing = await client.put("/v1/things/current")
    stale = await client.put("/v1/things/current", headers={"If-Match": '"thing-0"'})
    current = await client.put("/v1/things/current", headers={"If-Match": '"thing-1"'})
    assert (missing.status_code, stale.status_code, current.status_code) == (428, 412, 200)
    english = "send If-Match with the ETag from your last read of this resource"
    japanese_first(missing.json()["detail"], english)
    japanese_first(stale.json()["detail"], "the resource changed since you read it")
    assert missing.json()["current_etag"] == stale.json()["current_etag"] == '"thing-1"'


async def test_validation_problem_lists_each_field_and_rule(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await client.post(
        "/v1/things",
        json={"name": "x" * 11, "count": -1},
        headers=bearer(token(Role.operator)),
    )
    body = response.json()
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {(e["field"], e["rule"]) for e in body["errors"]}
    assert fields == {("body.name", "string_too_long"), ("body.count", "greater_than_equal")}


async def test_success_commits_and_domain_error_rolls_back(
    client: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    ok = await client.post(
        "/v1/things", json={"name": "kept", "count": 1}, headers=bearer(token(Role.operator))
    )
    refused = await client.post(
        "/v1/things", json={"name": "dropped", "count": 409}, headers=bearer(token(Role.operator))
    )
    assert ok.status_code == 201 and ok.json()["actor"].startswith("operator:")
    assert refused.status_code == 409
    assert refused.json()["thing"] == "dropped"
    assert await count_keys(session, "kept") == 1
    assert await count_keys(session, "dropped") == 0


async def test_unexpected_error_is_500_problem_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    japanese_first(response.json()["detail"], "quote the X-Request-ID header")


async def test_request_id_is_echoed_or_minted(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    minted = await client.get("/healthz")
    assert given.headers["x-request-id"] == "abc-123"
    assert len(minted.headers["x-request-id"]) == 32


async def test_unknown_route_is_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    japanese_first(response.json()["detail"], "Not Found")
    wrong_method = await client.delete("/v1/things")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    japanese_first(wrong_method.json()["detail"], "DELETE is not allowed here; allowed: POST")


async def test_readyz_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_metrics_are_labelled_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    text_ = (await render(client._transport.app)).decode()  # type: ignore[attr-defined]
    assert 'route="/healthz"' in text_
    assert 'jisso_outbox_unsent{service="registry"}' in text_
    assert 'jisso_outbox_rearmed{service="registry"}' in text_
    assert 'jisso_queue_depth{service="registry"}' in text_
    assert 'jisso_outbox_lag_seconds{service="registry"}' in text_


async def test_a_web_front_end_on_an_allowed_origin_passes_cors(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    origin = "https://app.jisso.example"
    settings = make_settings("registry", cors_origins=f"{origin}, https://other.example")
    app = create_service_app(
        settings=settings, title="t", description="t", version="0", routers=[router], outbox=outbox
    )
    app.state.sessionmaker = sessionmaker
    asked = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        preflight = await c.options("/v1/things", headers=asked)
        refused = await c.options("/v1/things", headers={**asked, "Origin": "https://evil.example"})
        answer = await c.get("/healthz", headers={"Origin": origin})
        metrics = (await render(app)).decode()

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    exposed = answer.headers["access-control-expose-headers"]
    assert {"ETag", "Location", "X-Request-ID", "Link"} <= {h.strip() for h in exposed.split(",")}
    assert 'method="OPTIONS",route="cors_preflight"' in metrics


async def test_a_client_that_leaves_mid_body_is_no_server_error(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client gone while its body is read (a cancelled upload; a request the HTTP protocol
    refused after the app had started on it) is counted as 499, not as a 500 with a trace."""
    app = client._transport.app  # type: ignore[attr-defined]
    messages = iter([{"type": "http.request", "body": b"part", "more_body": True}])

    async def receive() -> dict[str, object]:
        return next(messages, {"type": "http.disconnect"})

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/uploads", "raw_path": b"/v1/uploads", "query_string": b"",
        "root_path": "", "headers": [(b"content-length", b"100")], "client": ("127.0.0.1", 1),
        "server": ("t", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    assert sent[0]["status"] == 499
    metrics = (await render(app)).decode()
    counted = [line for line in metrics.splitlines() if "_count{" in line and "/v1/uploads" in line]
    assert counted and all('status="499"' in line for line in counted), counted
    assert "unhandled_error" not in capsys.readouterr().out
