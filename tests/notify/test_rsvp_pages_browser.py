"""Every RSVP and unsubscribe page in a real chromium at a desktop, a phone and a narrow phone
width: the title a person reads, nothing wider than the screen, and a screenshot of each under
``test-artifacts/screenshots/`` (gitignored) so that a person can look at what the tests saw."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from tests.notify.cdp import Page
from tests.notify.symposium_data import create_contact, operator
from tests.notify.test_rsvp_browser import (  # noqa: F401  (fixtures, used by name)
    CHROMIUM,
    NO_CHROMIUM,
    browser,
    invited,
    link_settings,
    notify_url,
)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (1280, 390, 320)  # desktop, a common phone, the narrowest phone still sold
SITE = " — 未来技術実装ミニシンポジウム"


async def looks_right_at_every_width(page: Page, kind: str, title: str) -> None:
    """The page now loaded, at each width: its title and heading, no sideways scrolling, every
    button and link inside the screen; a full-page PNG of each width on disk."""
    for width in WIDTHS:
        await page.set_width(width)
        assert await page.evaluate("document.title") == title + SITE
        assert await page.evaluate("document.querySelector('h1').innerText") == title
        inner = await page.evaluate("window.innerWidth")
        assert inner == width
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= inner, f"{kind} at {width}px scrolls sideways ({scroll}px)"
        rights = await page.evaluate(
            "[...document.querySelectorAll('button, a, input, h1, p, dd')]"
            ".map(e => e.getBoundingClientRect().right)"
        )
        assert max(rights) <= inner, f"{kind} at {width}px: something is cut off"
        png = await page.screenshot(SCREENSHOTS / f"{kind}-{width}.png")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    await page.set_width(WIDTHS[0])


async def post_form(page: Page) -> str:
    """Press the page's button as a person would (the pages have one form each)."""
    return await page.submit_form()


async def test_answer_pages_form_attending_waitlisted_and_declined(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,  # noqa: F811
    browser: Page,  # noqa: F811
) -> None:
    _, links = await invited(registry, token, link_settings, 3, "pages-answer", capacity=1)

    form = await browser.open(links[0]["attend"])
    assert "「回答する」ボタンを押してください" in form
    assert await browser.evaluate("document.querySelector('button').innerText") == "回答する"
    await looks_right_at_every_width(browser, "form", "出欠のご回答")
    assert "出席のご回答を承りました" in await post_form(browser)
    await looks_right_at_every_width(browser, "done-attending", "ご回答ありがとうございました")

    await browser.open(links[1]["attend"])
    assert "キャンセル待ち（1番目）として承りました" in await post_form(browser)
    await looks_right_at_every_width(browser, "done-waitlisted", "ご回答ありがとうございました")
    again = await browser.open(links[1]["attend"])
    assert "現在のご回答：キャンセル待ち（1番目）" in again
    await looks_right_at_every_width(browser, "form-waitlisted", "出欠のご回答")

    await browser.open(links[2]["decline"])
    assert "欠席のご回答を承りました" in await post_form(browser)
    await looks_right_at_every_width(browser, "done-declined", "ご回答ありがとうございました")


async def test_the_waitlist_position_moves_up_when_someone_ahead_declines(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,  # noqa: F811
    browser: Page,  # noqa: F811
) -> None:
    _, links = await invited(registry, token, link_settings, 4, "pages-line", capacity=1)
    for link in links[:3]:
        await browser.open(link["attend"])
        await post_form(browser)
    await browser.open(links[3]["attend"])
    assert "キャンセル待ち（3番目）" in await post_form(browser)

    await browser.open(links[1]["decline"])  # the first in line leaves it
    await post_form(browser)

    assert "現在のご回答：キャンセル待ち（2番目）" in await browser.open(links[3]["attend"])


async def test_a_form_sent_without_a_choice_has_its_own_page_and_leads_back(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,  # noqa: F811
    browser: Page,  # noqa: F811
) -> None:
    _, (links,) = await invited(registry, token, link_settings, 1, "pages-nochoice")
    await browser.open(links["attend"].split("?")[0])  # a link cut before its ?response=
    assert await browser.evaluate("document.querySelector('input:checked')") is None

    missing = await post_form(browser)

    assert "リンクが無効" not in missing
    assert "ご回答はまだ記録されていません" in missing
    await looks_right_at_every_width(browser, "missing-choice", "回答の選択肢が見つかりません")
    back = await browser.open(await browser.evaluate("document.querySelector('a.action').href"))
    assert "出欠のご回答" in back and "現在のご回答" not in back


async def test_a_cancelled_symposium_page_is_japanese_throughout(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,  # noqa: F811
    browser: Page,  # noqa: F811
) -> None:
    symposium, (links,) = await invited(registry, token, link_settings, 1, "pages-cancelled")
    path = f"/v1/symposia/{symposium['id']}"
    current = await registry.get(path, headers=operator(token))
    cancelled = await registry.post(
        f"{path}/cancellation", headers={**operator(token), "If-Match": current.headers["ETag"]}
    )
    assert cancelled.status_code == 200, cancelled.text

    text = await browser.open(links["attend"])

    assert "このシンポジウムは開催中止となりました" in text
    assert await browser.evaluate("document.forms.length") == 0
    assert await browser.evaluate("document.querySelector('[lang=en]')") is None
    assert re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text) is None, text
    await looks_right_at_every_width(browser, "cancelled", "開催中止のお知らせ")


async def test_unsubscribe_pages_and_their_error_speak_of_a_year_not_a_symposium(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,  # noqa: F811
    browser: Page,  # noqa: F811
    notify_url: str,  # noqa: F811
) -> None:
    contact = await create_contact(
        registry, token, name="頁 読子", email="a.rather.long.address.for.phones@city.example.jp"
    )
    nowhere = {"id": str(uuid.uuid4()), "ends_at": "2099-01-01T00:00:00+09:00"}
    link = symposium_links(link_settings, contact_id=contact["id"], symposium=nowhere)

    asked = await browser.open(link["unsubscribe"])
    assert "a.rather.long.address.for.phones@city.example.jp" in asked
    await looks_right_at_every_width(browser, "unsubscribe-form", "ご案内メールの配信停止")
    assert "配信を停止しました" in await post_form(browser)
    await looks_right_at_every_width(browser, "unsubscribe-done", "配信を停止しました")

    broken = await browser.open(f"{notify_url}/v1/unsubscribe/expired-or-broken")
    assert "1年間有効" in broken
    assert "シンポジウム" not in broken and "終了" not in broken
    await looks_right_at_every_width(
        browser, "unsubscribe-invalid", "リンクが無効か、有効期限が切れています"
    )


async def test_an_invalid_rsvp_link_says_how_long_links_live(
    browser: Page,  # noqa: F811
    notify_url: str,  # noqa: F811
) -> None:
    text = await browser.open(f"{notify_url}/v1/rsvp/expired-or-broken?response=attend")

    assert "シンポジウムの終了時刻まで有効" in text
    await looks_right_at_every_width(
        browser, "invalid-link", "リンクが無効か、有効期限が切れています"
    )


def test_the_screenshot_folder_is_ignored_by_git() -> None:
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().splitlines()
    assert "test-artifacts/" in ignored
    assert SCREENSHOTS.parent.name == "test-artifacts"
