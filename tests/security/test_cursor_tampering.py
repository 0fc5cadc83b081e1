"""A pagination cursor the service did not issue for that list is a 422 naming the cursor.

Every list operation of the three services that takes a ``cursor`` (read from the published OpenAPI
documents, and checked against the running apps so a list added later is covered) is called with
cursors that were forged (our format, unsigned), truncated, deeply nested, not a list, signed with
another deployment's key, signed for another list, signed with the wrong shape, or not base64 at
all. Each must answer 422 ``application/problem+json`` naming ``query.cursor`` and rule ``cursor``,
with ``X-Request-ID`` — never a 500. A partner token (read-only) gets the same on every list it may
read. An unexpected error still answers a 500 problem carrying ``X-Request-ID``, and does not
escape the app (a server would close the keep-alive connection it came on).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.app import create_service_app
from libs.common.auth import Role
from libs.common.pagination import Key, decode_cursor_for, encode_cursor_for, seal_cursor
from libs.common.settings import Settings
from services.catalogue import SERVICE_NAMES
from services.registry.models import outbox
from tests.security.callers import ANOTHER_SECRET
from tests.security.paginated import OPERATIONS, assert_refused_cursor, paginated_operations
from tests.security.wiring import Wired, fill

NOWHERE_UUID = "00000000-0000-0000-0000-000000000000"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged(_: Settings, __: str) -> str:
    """The unsigned format cursors had: base64url of a JSON list, values of every kind."""
    return b64(json.dumps([2021, "' OR ''='", NOWHERE_UUID]).encode())


def forged_sort_key(_: Settings, __: str) -> str:
    return b64(json.dumps(["2021-04-01T00:00:00+09:00", NOWHERE_UUID]).encode())


def nested(_: Settings, __: str) -> str:
    return b64(("[" * 10_000 + "]" * 10_000).encode())  # Python's parser recurses per level


def not_a_list(_: Settings, __: str) -> str:
    return b64(json.dumps({"after": 1}).encode())


def not_base64(_: Settings, __: str) -> str:
    return "%%%not base64!%%%"


def huge(_: Settings, __: str) -> str:
    return "A" * 20_000


def truncated(settings: Settings, path: str) -> str:
    return encode_cursor_for(settings, path, ["x", NOWHERE_UUID])[:-6]


def wrong_signature(settings: Settings, path: str) -> str:
    other = settings.model_copy(update={"jwt_secret": ANOTHER_SECRET})
    return encode_cursor_for(other, path, ["x", NOWHERE_UUID])


def another_lists(settings: Settings, path: str) -> str:
    return encode_cursor_for(settings, path + "-elsewhere", ["x", NOWHERE_UUID])


def signed_not_a_list(settings: Settings, path: str) -> str:
    return seal_cursor(settings, path, json.dumps({"after": 1}).encode())


def signed_nested(settings: Settings, path: str) -> str:
    return seal_cursor(settings, path, json.dumps([[[NOWHERE_UUID]], [1], {"a": 2}]).encode())


def signed_wrong_shape(settings: Settings, path: str) -> str:
    # Six values where every list expects one to three; strings where some expect numbers.
    return seal_cursor(settings, path, json.dumps(["x"] * 6).encode())


def signed_not_json(settings: Settings, path: str) -> str:
    return seal_cursor(settings, path, b"\xff\xfe not json")


CURSORS: dict[str, Callable[[Settings, str], str]] = {
    f.__name__: f
    for f in (
        forged,
        forged_sort_key,
        nested,
        not_a_list,
        not_base64,
        huge,
        truncated,
        wrong_signature,
        another_lists,
        signed_not_a_list,
        signed_nested,
        signed_wrong_shape,
        signed_not_json,
    )
}


def test_every_paginated_list_of_the_apps_is_tried(wired: Wired) -> None:
    live = paginated_operations({s: app.openapi() for s, app in wired.apps.items()})
    assert live == OPERATIONS
    assert {s for s, _ in OPERATIONS} == set(SERVICE_NAMES)


@pytest.mark.parametrize("kind", CURSORS)
@pytest.mark.parametrize(("service", "path"), OPERATIONS)
async def test_a_cursor_we_did_not_issue_is_422(
    wired: Wired,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    service: str,
    path: str,
    kind: str,
) -> None:
    url = fill(path)
    cursor = CURSORS[kind](make_settings(service), url)
    response = await wired.clients[service].get(
        url,
        params={"cursor": cursor},
        headers={"Authorization": f"Bearer {token(Role.operator)}"},
    )
    assert_refused_cursor(response)


async def test_a_partner_gets_422_on_every_list_it_may_read(
    wired: Wired, token: Callable[..., str]
) -> None:
    partner = {"Authorization": f"Bearer {token(Role.partner)}"}
    readable = []
    for service, path in OPERATIONS:
        client, url = wired.clients[service], fill(path)
        if (await client.get(url, headers=partner)).status_code != 200:
            continue
        readable.append(path)
        for kind in ("forged", "nested", "truncated"):
            cursor = CURSORS[kind](wired.apps[service].state.settings, url)
            assert_refused_cursor(await client.get(url, params={"cursor": cursor}, headers=partner))
    assert "/v1/projects" in readable and "/v1/joint-review-rounds" in readable


def test_a_cursor_signed_with_a_previous_key_is_accepted_until_the_key_is_dropped(
    make_settings: Callable[..., Settings],
) -> None:
    old, new = ANOTHER_SECRET, "a-new-key-for-this-deployment-9f8e7d6c5b4a"
    issued = encode_cursor_for(make_settings("registry", jwt_secret=old), "/v1/x", [2021, "t"])
    rotating = make_settings("registry", jwt_secret=new, jwt_previous_secrets=old)
    assert decode_cursor_for(rotating, "/v1/x", issued, Key.integer, Key.text) == [2021, "t"]
    rotated = make_settings("registry", jwt_secret=new)
    with pytest.raises(Exception, match="cursor") as refused:
        decode_cursor_for(rotated, "/v1/x", issued, Key.integer, Key.text)
    assert getattr(refused.value, "status", None) == 422


boom = APIRouter()


@boom.get("/v1/boom")
async def raise_unexpectedly() -> None:
    raise RuntimeError("internals the client must not see")


async def test_an_unexpected_error_is_a_500_problem_with_the_request_id(
    make_settings: Callable[..., Settings], sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    app = create_service_app(
        settings=make_settings("registry"),
        title="t",
        description="t",
        version="0",
        routers=[boom],
        outbox=outbox,
    )
    app.state.sessionmaker = sessionmaker
    # raise_app_exceptions (httpx's default): an error escaping the app fails the call, as it
    # makes a server drop the connection instead of keeping it alive for the next request.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.get("/v1/boom", headers={"X-Request-ID": "req-500"})
        minted = await client.get("/v1/boom")
    for response in (given, minted):
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert "internals" not in response.text
    assert given.headers["x-request-id"] == "req-500"
    assert len(minted.headers["x-request-id"]) == 32
