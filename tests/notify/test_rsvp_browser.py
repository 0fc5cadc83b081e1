"""RSVP through the pages in a real browser: headless Debian chromium against notify served by
uvicorn on a free port. The pages run no script; the harness clicks for the person (CDP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from devtools.embedded import free_port
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.rsvp.models import Rsvp
from tests.notify.cdp import Page, chromium_binary, chromium_page
from tests.notify.symposium_data import create_symposium, future_symposium, local_government_staff

CHROMIUM = chromium_binary()
NO_CHROMIUM = (
    "no chromium binary: RSVP browser tests skipped (apt-get install -y chromium to run them)"
)
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]


@pytest.fixture
async def notify_url(notify_app: Any) -> AsyncIterator[str]:
    """notify served by uvicorn on a free port, in this event loop and the test's transaction."""
    port = free_port()
    config = uvicorn.Config(
        notify_app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "uvicorn stopped before it started"
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


@pytest.fixture(scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Page]:
    """One chromium for the module (it takes seconds to start); each test navigates afresh."""
    assert CHROMIUM is not None
    profile = tmp_path_factory.mktemp("chromium-profile")
    async with chromium_page(CHROMIUM, profile) as page:
        yield page


@pytest.fixture
def link_settings(make_settings: Callable[..., Settings], notify_url: str) -> Settings:
    """Links as letters carry them, pointing at the server under test."""
    return make_settings("notify", public_base_url=notify_url)


async def invited(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
    count: int,
    tag: str,
    capacity: int | None = None,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    symposium = await create_symposium(
        registry, token, future_symposium(capacity=capacity, theme="AI・IoTの社会実装")
    )
    staff = await local_government_staff(registry, token, count, tag)
    links = [symposium_links(settings, contact_id=c["id"], symposium=symposium) for c in staff]
    return symposium, links


async def answer_in_browser(browser: Page, link: str) -> tuple[str, str]:
    """Open the link from the letter, press the form's button; both pages' text."""
    form_page = await browser.open(link)
    assert await browser.evaluate("document.scripts.length") == 0
    assert await browser.evaluate("document.documentElement.lang") == "ja"
    chosen = link.rsplit("response=", 1)[1]
    assert await browser.evaluate("document.querySelector('input:checked').value") == chosen
    return form_page, await browser.submit_form()


async def test_accepting_in_the_browser(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,
    browser: Page,
    session: AsyncSession,
) -> None:
    symposium, (links,) = await invited(registry, token, link_settings, 1, "browser-yes")

    form_page, confirmation = await answer_in_browser(browser, links["attend"])

    assert "出欠のご回答" in form_page
    assert "AI・IoTの社会実装" in form_page
    assert "13:30〜15:00（日本時間）" in form_page
    assert "出席のご回答を承りました" in confirmation
    stored = await session.scalar(select(Rsvp.response).where(Rsvp.symposium_id == symposium["id"]))
    assert stored == "attending"


async def test_declining_in_the_browser(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,
    browser: Page,
    session: AsyncSession,
) -> None:
    symposium, (links,) = await invited(registry, token, link_settings, 1, "browser-no")

    _, confirmation = await answer_in_browser(browser, links["decline"])

    assert "欠席のご回答を承りました" in confirmation
    stored = await session.scalar(select(Rsvp.response).where(Rsvp.symposium_id == symposium["id"]))
    assert stored == "declined"


async def test_a_full_symposium_waitlists_in_the_browser_and_a_decline_frees_the_place(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    link_settings: Settings,
    browser: Page,
    session: AsyncSession,
) -> None:
    symposium, links = await invited(registry, token, link_settings, 3, "browser-full", capacity=2)

    pages = [(await answer_in_browser(browser, link["attend"]))[1] for link in links]

    assert "出席のご回答を承りました" in pages[0]
    assert "出席のご回答を承りました" in pages[1]
    assert "キャンセル待ち（1番目）" in pages[2]
    _, declined = await answer_in_browser(browser, links[0]["decline"])
    assert "欠席のご回答を承りました" in declined
    answers = await session.execute(
        select(Rsvp.email, Rsvp.response)
        .where(Rsvp.symposium_id == symposium["id"])
        .order_by(Rsvp.email)
    )
    assert [response for _, response in answers.all()] == ["declined", "attending", "attending"]
    revisit = await browser.open(links[2]["attend"])
    assert "現在のご回答：出席" in revisit


async def test_an_expired_link_explains_itself_in_the_browser(
    browser: Page, notify_url: str
) -> None:
    text = await browser.open(f"{notify_url}/v1/rsvp/expired-or-broken?response=attend")
    assert "リンクが無効か、有効期限が切れています" in text
