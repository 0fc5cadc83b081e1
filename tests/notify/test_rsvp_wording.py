"""Letters say what their RSVP links do: a link opens a confirm page, and only that page's
「回答する」 button records the answer (mail scanners open links and must not answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notify.rsvp.pages import page, symposium_for_page
from tests.notify.test_rendering import SYMPOSIUM, render

CONFIRM = "確認の画面が表示されます"
BUTTON = "「回答する」ボタンを押すと"
RSVP_KINDS = [
    "symposium_invitation",
    "symposium_reminder",
    "symposium_update",
    "symposium_waitlist_promoted",
]
TEMPLATES = Path(__file__).resolve().parents[2] / "services/notify/letters/templates"


@pytest.mark.parametrize("kind", RSVP_KINDS)
def test_every_letter_with_rsvp_links_says_a_confirm_page_follows(kind: str) -> None:
    rendered = render(kind)
    assert "response=attend" in rendered.text, "not a letter with RSVP links"
    for part in (rendered.text, rendered.html):
        assert CONFIRM in part and BUTTON in part
        assert "開くだけ" not in part and "押すだけ" not in part


def test_the_reminder_to_those_attending_says_the_decline_link_asks_first() -> None:
    rendered = render("symposium_reminder", audience="attending")
    assert "response=attend" not in rendered.text and "response=decline" in rendered.text
    for part in (rendered.text, rendered.html):
        assert CONFIRM in part and "「回答する」ボタンを押すと変更が記録されます" in part


def test_the_button_the_letters_name_is_the_pages_button() -> None:
    html = page(
        "rsvp_form.html.j2",
        symposium=symposium_for_page(SYMPOSIUM),
        current=None,
        position=None,
        response="attend",
        capacity=None,
    ).body.decode()
    assert '<button type="submit">回答する</button>' in html
    assert html.count("<form") == 1 and 'method="post"' in html


def test_every_template_with_an_rsvp_link_says_what_it_does() -> None:
    """A kind added later with RSVP links is held to the same words (the partial or its own)."""
    with_links = [
        path
        for path in TEMPLATES.glob("*.j2")
        if "links.attend" in path.read_text() or "links.decline" in path.read_text()
    ]
    assert {p.name for p in with_links} >= {"_rsvp.txt.j2", "_rsvp.html.j2"}
    for path in with_links:
        source = path.read_text()
        assert CONFIRM in source or 'include "_rsvp.' in source, path.name
