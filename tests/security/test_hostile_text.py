"""Hostile text is stored and returned verbatim, and only ever shown as text.

CR/LF in names, themes and titles never becomes a mail header; SQL and HTML metacharacters come back
unchanged in JSON and escaped in HTML pages and letters; search keys are NFKC-normalised while the
stored text keeps the form it was written in.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.config import NotifySettings
from services.notify.letters.ics import invitation
from services.notify.letters.mime import build_email
from services.notify.letters.rendering import Recipient, Rendered, render_message
from tests.fixtures.clients import bearer
from tests.fixtures.world import prepare
from tests.notify.symposium_data import future_symposium
from tests.registry.projects_support import project_body
from tests.security.wiring import Wired

INJECTED = "\r\nBcc: attacker@example.com"
SCRIPT = "<script>alert('x')</script>"
SQL = "'; DROP TABLE registry.contacts;--"
HANAKO = "hanako.hostile@example.jp"


async def created(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], token: Callable[..., str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=bearer(token(Role.operator)))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    fetched = await client.get(f"{path}/{made['id']}", headers=bearer(token(Role.operator)))
    assert fetched.status_code == 200, fetched.text
    stored: dict[str, Any] = fetched.json()
    return stored


def contact(name: str, **fields: str) -> dict[str, Any]:
    return {"name": name, "email": HANAKO, "stakeholder_category": "local_government", **fields}


def sent(rendered: Rendered, to: Recipient, ics: bytes | None = None) -> EmailMessage:
    """The letter as the SMTP server would receive it, parsed back."""
    raw = build_email(
        rendered, settings=NotifySettings(), to=to, message_id="<hostile@jisso>", ics=ics
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def recipients(message: EmailMessage) -> list[str]:
    return [
        address.addr_spec
        for name in ("To", "Cc", "Bcc")
        for header in message.get_all(name) or []
        for address in header.addresses
    ]


def decision(project_name: str) -> dict[str, Any]:
    return {
        "project_name": project_name,
        "local_government": "秩父市",
        "decision": "approved",
        "decided_on": "2021-12-17",
        "term_end": "2024-03-31",
    }


async def test_crlf_in_a_contact_name_is_kept_and_never_becomes_a_header(
    wired: Wired, token: Callable[..., str]
) -> None:
    stored = await created(
        wired.clients["registry"], "/v1/contacts", contact("秩父 花子" + INJECTED), token
    )
    assert stored["name"] == "秩父 花子" + INJECTED
    to = Recipient(name=stored["name"], email=stored["email"])
    letter = sent(
        render_message("continuation_decision", context=decision("事業"), recipient=to, links={}),
        to,
    )
    assert recipients(letter) == [HANAKO]
    assert letter["To"].addresses[0].display_name == "秩父 花子 Bcc: attacker@example.com"


async def test_crlf_in_a_theme_or_a_title_stays_out_of_subject_headers_and_calendar(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await prepare(session)
    registry = wired.clients["registry"]
    symposium = await created(
        registry, "/v1/symposia", future_symposium(theme="共通の課題" + INJECTED), token
    )
    project = await created(
        registry, "/v1/projects", project_body(title="ドローン" + INJECTED), token
    )
    assert (symposium["theme"], project["title"]) == (
        "共通の課題" + INJECTED,
        "ドローン" + INJECTED,
    )

    previews = [
        ("symposium_invitation", {"symposium": symposium}),
        ("continuation_decision", decision(project["title"])),
    ]
    to = Recipient(name="秩父 花子", email=HANAKO)
    for kind, context in previews:
        body = {"kind": kind, "context": context, "recipient": {"name": to.name, "email": to.email}}
        response = await wired.clients["notify"].post(
            "/v1/previews", json=body, headers=bearer(token(Role.operator))
        )
        assert response.status_code == 200, response.text
        assert "\r" not in response.json()["subject"] and "\n" not in response.json()["subject"]
        links = {
            name: f"https://notify.example.jp/{name}"
            for name in ("attend", "decline", "unsubscribe")
        }
        rendered = render_message(kind, context=context, recipient=to, links=links)
        ics = invitation(
            symposium,
            method="REQUEST",
            organizer_email="office@jisso.example",
            organizer_name="事務局",
        ).for_attendee(to.email, to.name)
        assert recipients(sent(rendered, to, ics)) == [HANAKO]
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert [str(a) for a in _list(event.get("attendee"))] == [f"mailto:{HANAKO}"]
    assert "共通の課題\nBcc: attacker@example.com" in str(event["summary"])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


async def test_sql_and_html_metacharacters_come_back_verbatim_and_search_as_text(
    wired: Wired, token: Callable[..., str]
) -> None:
    registry = wired.clients["registry"]
    hostile = await created(
        registry, "/v1/contacts", contact(SQL, organisation=SCRIPT + " & 100%"), token
    )
    plain = await created(
        registry,
        "/v1/contacts",
        {**contact("秩父 太郎"), "email": "taro.hostile@example.jp"},
        token,
    )
    assert (hostile["name"], hostile["organisation"]) == (SQL, SCRIPT + " & 100%")

    async def found(q: str) -> set[str]:
        response = await registry.get(
            "/v1/contacts", params={"q": q, "limit": 200}, headers=bearer(token(Role.operator))
        )
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert await found("DROP TABLE") == {hostile["id"]}
    assert await found("%") == {hostile["id"]}  # a LIKE wildcard is a character like any other
    assert await found("_") == set()
    assert {hostile["id"], plain["id"]} <= await found("")


async def test_html_metacharacters_are_escaped_in_the_rsvp_page_and_in_letters(
    wired: Wired, token: Callable[..., str], make_settings: Callable[..., Settings]
) -> None:
    symposium = await created(
        wired.clients["registry"], "/v1/symposia", future_symposium(theme=SCRIPT + SQL), token
    )
    invitee = await created(wired.clients["registry"], "/v1/contacts", contact(SCRIPT), token)
    links = symposium_links(
        make_settings("notify"), contact_id=uuid.UUID(invitee["id"]), symposium=symposium
    )
    page = await wired.clients["notify"].get(urlsplit(links["attend"]).path)
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#39;; DROP TABLE" in page.text

    to = Recipient(name=SCRIPT, email=HANAKO)
    letter = render_message(
        "symposium_invitation", context={"symposium": symposium}, recipient=to, links=links
    )
    assert "<script>" not in letter.html and "&lt;script&gt;" in letter.html
    assert f"{SCRIPT} 様" in letter.text and SCRIPT + SQL in letter.text


async def test_search_keys_are_nfkc_while_the_stored_text_keeps_its_form(
    wired: Wired, token: Callable[..., str]
) -> None:
    name, organisation = "ｽﾏｰﾄ ﾓﾋﾞﾘﾃｨ 花子", "㈱ジッソウ"
    stored = await created(
        wired.clients["registry"], "/v1/contacts", contact(name, organisation=organisation), token
    )
    assert (stored["name"], stored["organisation"]) == (name, organisation)
    for q, hit in [
        ("スマートモビリティ", True),
        ("すまーと　もびりてぃ", True),
        ("ＳＭＡＲＴ", False),
        ("(株)じっそう", True),
        ("株式会社", False),
    ]:
        response = await wired.clients["registry"].get(
            "/v1/contacts", params={"q": q}, headers=bearer(token(Role.operator))
        )
        ids = [c["id"] for c in response.json()["items"]]
        assert (stored["id"] in ids) is hit, q


async def test_text_that_reaches_a_header_is_percent_encoded(
    wired: Wired, token: Callable[..., str]
) -> None:
    """A reviewer's subject ends up in ``Location`` and ``ETag``, which carry only Latin-1."""
    body = {
        "subject": "審査員-山田\r\nX-Evil: 1",
        "name": "山田 太郎",
        "email": "yamada.hostile@example.ac.jp",
        "organisation": "某大学",
    }
    review = wired.clients["review"]
    created = await review.post("/v1/reviewers", json=body, headers=bearer(token(Role.operator)))
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.isascii() and "\r" not in location and "x-evil" not in created.headers
    assert created.headers["etag"].isascii()
    fetched = await review.get(location, headers=bearer(token(Role.operator)))
    assert fetched.json()["subject"] == body["subject"]


async def test_nul_in_text_is_422_wherever_it_comes_in(
    wired: Wired, token: Callable[..., str]
) -> None:
    """No PostgreSQL text column stores U+0000; it used to come back as a 500."""
    headers = bearer(token(Role.operator))
    body = {**contact("秩父\u0000花子"), "email": "nul.hostile@example.jp"}
    created = await wired.clients["registry"].post("/v1/contacts", json=body, headers=headers)
    searched = await wired.clients["registry"].get(
        "/v1/contacts", params={"q": "秩父\u0000"}, headers=headers
    )
    reviewer = {
        "subject": "nul\u0000",
        "name": "審査",
        "email": "n@example.jp",
        "organisation": "某",
    }
    registered = await wired.clients["review"].post("/v1/reviewers", json=reviewer, headers=headers)
    for response in (created, searched, registered):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
