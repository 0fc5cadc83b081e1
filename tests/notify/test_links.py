"""RSVP and unsubscribe links: opaque to a reader, signed with LINK_SECRET (rotated on its own),
and a tampered link changes nothing. Over HTTP against notify and the real registry app."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.models import Suppression
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient
from services.notify.rsvp.models import Rsvp
from tests.fixtures.apps import build_app, client_of
from tests.notify.symposium_data import create_contact, create_symposium, future_symposium

OLD_KEY = "old-link-key-" + "0" * 40
NEW_KEY = "new-link-key-" + "1" * 40


@pytest.fixture
def notify_with(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    notify_registry_client: RegistryClient,
) -> Callable[..., Any]:
    """A notify API whose settings the test chooses (its keys), in the test's transaction."""

    @asynccontextmanager
    async def serve(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = make_settings("notify", **overrides)
        app = build_app("notify", settings, sessionmaker, registry=notify_registry_client)
        async with client_of(app, "notify") as client:
            yield client

    return serve


async def invitee(
    registry: httpx.AsyncClient, token: Callable[..., str], tag: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    symposium = await create_symposium(registry, token, future_symposium())
    contact = await create_contact(
        registry, token, name="秩父 花子", email=f"Hanako.{tag}@City.Example.jp"
    )
    return symposium, contact


def links_signed_with(
    make_settings: Callable[..., Settings],
    contact: dict[str, Any],
    symposium: dict[str, Any],
    **keys: str,
) -> dict[str, str]:
    """The paths of a recipient's links as a notify with these keys mails them."""
    found = symposium_links(
        make_settings("notify", **keys), contact_id=uuid.UUID(contact["id"]), symposium=symposium
    )
    return {name: urlsplit(url).path for name, url in found.items()}


def decoded_segments(token: str) -> list[bytes]:
    """What anyone can read of a link: each dot-separated part, base64url-decoded if it decodes."""
    readable = []
    for segment in token.split("."):
        try:
            readable.append(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (binascii.Error, ValueError):
            readable.append(segment.encode())
    return readable


async def state(session: AsyncSession, symposium_id: uuid.UUID) -> tuple[int, int, int]:
    """Answers to the symposium, suppressions and outbox rows: what a link could change."""
    return (
        await session.scalar(
            select(func.count()).select_from(Rsvp).where(Rsvp.symposium_id == symposium_id)
        )
        or 0,
        await session.scalar(select(func.count()).select_from(Suppression)) or 0,
        await session.scalar(select(func.count()).select_from(outbox)) or 0,
    )


async def test_a_link_carries_no_address_in_any_decodable_segment(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
) -> None:
    symposium, contact = await invitee(registry, token, "opaque")
    links = links_signed_with(make_settings, contact, symposium)
    address = contact["email"].lower()
    local_part, domain = address.split("@")
    for path in links.values():
        link_token = path.rsplit("/", 1)[1]
        assert address not in path.lower()
        # Header and payload; the third segment is an HMAC, random bytes that may hold any byte.
        for readable in decoded_segments(link_token)[:2]:
            text = readable.decode("utf-8", "replace").lower()
            assert local_part not in text and domain not in text and "@" not in text, text
        payload = json.loads(decoded_segments(link_token)[1])
        assert payload["sub"] == contact["id"]  # it names the contact row, nothing more


async def test_a_link_signed_with_the_previous_link_key_still_works(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    notify_with: Callable[..., Any],
    session: AsyncSession,
) -> None:
    symposium, contact = await invitee(registry, token, "rotated")
    mailed = links_signed_with(make_settings, contact, symposium, link_secret=OLD_KEY)

    async with notify_with(link_secret=NEW_KEY) as dropped:
        assert (await dropped.get(mailed["attend"])).status_code == 400
        assert (await dropped.post(mailed["unsubscribe"])).status_code == 400
    assert await session.get(Suppression, contact["email"].lower()) is None

    async with notify_with(link_secret=NEW_KEY, link_previous_secrets=OLD_KEY) as rotating:
        attended = await rotating.post(mailed["attend"], data={"response": "attend"})
        assert attended.status_code == 200, attended.text
        unsubscribed = await rotating.post(mailed["unsubscribe"])
        assert unsubscribed.status_code == 200, unsubscribed.text
    answer = await session.scalar(
        select(Rsvp).where(Rsvp.symposium_id == uuid.UUID(symposium["id"]))
    )
    assert answer is not None and answer.response == "attending"
    # The answer keeps the address as written and is keyed by the mailbox's identity.
    assert (answer.email, answer.email_key) == (contact["email"], contact["email"].lower())
    suppression = await session.get(Suppression, contact["email"].lower())
    assert suppression is not None and suppression.state == "unsubscribed"


async def test_rotating_the_jwt_key_leaves_mailed_links_working(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    notify_with: Callable[..., Any],
) -> None:
    symposium, contact = await invitee(registry, token, "jwt-rotated")
    mailed = links_signed_with(make_settings, contact, symposium, jwt_secret="a" * 40)

    async with notify_with(jwt_secret="b" * 40, jwt_previous_secrets="") as rotated:
        page = await rotated.get(mailed["attend"], params={"response": "attend"})
        assert page.status_code == 200, page.text
        assert (await rotated.get(mailed["unsubscribe"])).status_code == 200


def tampered(path: str, contact_id: str) -> str:
    """The link's payload made to name another contact, the signature left as it was."""
    prefix, link_token = path.rsplit("/", 1)
    header, payload, signature = link_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = contact_id
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{prefix}/{header}.{forged}.{signature}"


async def test_a_tampered_link_is_an_html_error_and_changes_nothing(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    session: AsyncSession,
) -> None:
    symposium, contact = await invitee(registry, token, "holder")
    other = await create_contact(
        registry, token, name="別の 人", email="someone.else@city.example.jp"
    )
    links = links_signed_with(make_settings, contact, symposium)
    before = await state(session, uuid.UUID(symposium["id"]))
    forged = {
        "attend": tampered(links["attend"], other["id"]),
        "unsubscribe": tampered(links["unsubscribe"], other["id"]),
        "bad-signature": links["attend"][:-2] + ("BB" if links["attend"].endswith("AA") else "AA"),
    }
    for name, path in forged.items():
        for response in (
            await notify.get(path),
            await notify.post(path, data={"response": "attend"}),
        ):
            assert response.status_code == 400, (name, response.text)
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            assert "リンクが無効か、有効期限が切れています" in response.text
    assert await state(session, uuid.UUID(symposium["id"])) == before
