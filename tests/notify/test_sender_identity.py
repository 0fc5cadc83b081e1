"""Who the mail says it is from (差出人): From from the settings, Message-IDs on the configured
domain (calendar UIDs stay put, so entries already sent still update), the placeholder sender
and a plain-http PUBLIC_BASE_URL refused outside development, and the details table of the HTML
mail read as a table by screen readers."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import icalendar
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.settings import load_settings
from services.notify.campaigns import repository as campaigns
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.repository import Recipient as CampaignRecipient
from services.notify.config import NotifySettings, get_notify_settings
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.tasks import send_due_deliveries
from services.notify.letters.ics import invitation
from services.notify.letters.mime import build_email, new_message_id
from services.notify.letters.rendering import Recipient, render_message
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import Committed, fast_notify_settings
from tests.notify.test_rendering import CONTEXTS, LINKS, SYMPOSIUM

KEY = "5e6506bae77402105819dd67931f19ca3254271d476d88141f2dba19c6b9ffc6"
LINK_KEY = "067500dc60ad7844dc58724620e04cd37ded8ea4755a1d5afc7b6e60a0994002"
HANAKO = Recipient("秩父 花子", "hanako@example.jp")


def test_the_domain_is_the_senders_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert NotifySettings(sender_address="office@example.go.jp").message_id_domain == (
        "example.go.jp"
    )
    monkeypatch.setenv("NOTIFY_MESSAGE_ID_DOMAIN", "mail.example.go.jp")
    assert NotifySettings(sender_address="office@example.go.jp").message_id_domain == (
        "mail.example.go.jp"
    )
    assert re.fullmatch(
        r"<[0-9a-f-]{36}@mail\.example\.go\.jp>", new_message_id("mail.example.go.jp")
    )
    for bad in ("mail example.jp", "-x.jp", "x..jp", "x.jp>"):
        with pytest.raises(ValidationError, match="NOTIFY_MESSAGE_ID_DOMAIN must be a domain"):
            NotifySettings(message_id_domain=bad)


def test_from_and_message_id_come_from_the_settings_and_the_uid_stays() -> None:
    notify = NotifySettings(
        sender_address="office@example.go.jp",
        sender_name="Mirai Office",
        message_id_domain="mail.example.go.jp",
    )
    ics = invitation(
        SYMPOSIUM,
        method="REQUEST",
        organizer_email=notify.sender_address,
        organizer_name=notify.sender_name,
    ).for_attendee(HANAKO.email, HANAKO.name)
    message_id = new_message_id(notify.message_id_domain)
    raw = build_email(
        render_message(
            "symposium_invitation",
            context=CONTEXTS["symposium_invitation"],
            recipient=HANAKO,
            links=LINKS,
        ),
        settings=notify,
        to=HANAKO,
        message_id=message_id,
        ics=ics,
        list_unsubscribe_url=LINKS["unsubscribe"],
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert b"\r\nFrom: Mirai Office <office@example.go.jp>\r\n" in raw
    assert parsed["Message-ID"] == message_id
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["UID"]) == f"symposium-{SYMPOSIUM['id']}@jisso"  # stable: see symposium_uid


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_the_placeholder_sender_is_refused_outside_development(
    environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="NOTIFY_SENDER_ADDRESS must be set"):
        NotifySettings(environment=environment)
    monkeypatch.setenv("ENVIRONMENT", environment)  # the shared variable, not NOTIFY_ENVIRONMENT
    with pytest.raises(ValidationError, match=f"ENVIRONMENT={environment}"):
        NotifySettings()
    real = NotifySettings(sender_address="office@example.go.jp")
    assert real.environment == environment and real.message_id_domain == "example.go.jp"


@pytest.mark.parametrize("environment", ["development", "test"])
def test_the_placeholder_sender_serves_development_and_tests(environment: str) -> None:
    assert NotifySettings(environment=environment).sender_address == "office@jisso.invalid"


def notify_settings(**values: Any) -> Any:
    return load_settings("notify", jwt_secret=KEY, link_secret=LINK_KEY, **values)


@pytest.mark.parametrize("environment", ["staging", "production"])
@pytest.mark.parametrize("url", ["http://notify.example.go.jp", "https://", "notify.example.jp"])
def test_public_links_must_be_https_outside_development(environment: str, url: str) -> None:
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must be an https:// URL"):
        notify_settings(environment=environment, public_base_url=url)
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must be set"):
        notify_settings(environment=environment, public_base_url="")
    https = "https://notify.example.go.jp"
    assert notify_settings(environment=environment, public_base_url=https).public_base_url == https
    # Only notify's mails link to it: the other services need none.
    registry = load_settings(
        "registry", environment=environment, jwt_secret=KEY, link_secret=LINK_KEY
    )
    assert registry.public_base_url == ""


def test_development_takes_any_public_base_url() -> None:
    for environment in ("development", "test"):
        for url in ("", "http://127.0.0.1:8003"):
            assert notify_settings(environment=environment, public_base_url=url)


async def test_a_campaigns_deliveries_are_minted_on_the_domain(session: AsyncSession) -> None:
    campaign = Campaign(
        symposium_id=uuid.uuid4(), kind="invitation", symposium={}, context={}, created_by="test"
    )
    await campaigns.add(session, campaign)
    recipients = [
        CampaignRecipient(uuid.uuid4(), f"p{i}@domain.example.jp", f"受信者{i}") for i in range(3)
    ]
    await campaigns.insert_deliveries(
        session,
        campaign_id=campaign.id,
        kind="symposium_invitation",
        recipients=recipients,
        message_id_domain="mail.example.go.jp",
    )
    ids = (
        await session.scalars(
            select(Delivery.smtp_message_id).where(Delivery.campaign_id == campaign.id)
        )
    ).all()
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"<[0-9a-f-]{36}@mail\.example\.go\.jp>", i) for i in ids), ids


async def test_a_sent_letter_carries_the_configured_message_id(
    committed_ctx: Committed, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.notify.messages.tasks import send_transactional

    monkeypatch.setenv("NOTIFY_MESSAGE_ID_DOMAIN", "mail.example.go.jp")
    get_notify_settings.cache_clear()
    try:
        ctx = committed_ctx.ctx
        ctx["notify_settings"] = fast_notify_settings()
        await send_transactional(
            ctx,
            {
                "kind": "continuation_decision",
                "dedupe_key": f"identity:{committed_ctx.tag}",
                "context": CONTEXTS["continuation_decision"],
                "recipients": [{"name": "秩父 花子", "email": committed_ctx.email("hanako")}],
            },
        )
        # At least ours (the database may hold other tests' due rows).
        assert (await send_due_deliveries(ctx, {}))["sent"] >= 1
    finally:
        get_notify_settings.cache_clear()
    (mail,) = [m for m in smtp_server.received() if committed_ctx.tag in str(m["To"])]
    assert re.fullmatch(r"<[0-9a-f-]{36}@mail\.example\.go\.jp>", str(mail["Message-ID"]))


class Tables(HTMLParser):
    """Each <table>: its attributes, its caption's text and its rows as (tag, attrs, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.cell: list[Any] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"attrs": dict(attrs), "caption": "", "rows": []})
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self.cell = [tag, dict(attrs), ""]
            self.tables[-1]["rows"][-1].append(self.cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag in ("th", "td"):
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.tables[-1]["caption"] += data
        elif self.cell is not None:
            self.cell[2] += data


@pytest.mark.parametrize(
    "kind", ["symposium_invitation", "symposium_reminder", "symposium_waitlist_promoted"]
)
def test_the_details_read_as_a_table_with_a_caption_and_row_headers(kind: str) -> None:
    html = render_message(kind, context=CONTEXTS[kind], recipient=HANAKO, links=LINKS).html
    parser = Tables()
    parser.feed(html)
    (table,) = parser.tables
    # role="presentation" (or "none") would make screen readers read it as layout, cell by cell.
    assert table["attrs"].get("role") in (None, "table")
    assert "border-collapse" in (table["attrs"].get("style") or "")  # inline: mail clients
    assert "シンポジウム" in table["caption"] or table["attrs"].get("aria-label")
    labels = []
    for header, value in table["rows"]:
        assert header[0] == "th" and header[1].get("scope") == "row", header
        assert value[0] == "td" and "style" in header[1] and "style" in value[1]
        assert header[2].strip() and value[2].strip()
        labels.append(header[2].strip())
    assert {"テーマ", "日時"} <= set(labels)
