"""キャンペーン報告: one campaign's letters by outcome, who it left out and why, and its
recipients' answers, exact for a constructed campaign sent through real SMTP; operators only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from libs.common.auth import Role
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.sender import send_due
from tests.notify.committed_world import World
from tests.notify.symposium_data import (
    create_symposium,
    future_symposium,
    local_government_staff,
    operator,
)
from tests.notify.test_campaigns import approve, draft
from tests.notify.test_rsvp import answer, links_for


async def unsubscribe(
    notify: httpx.AsyncClient,
    settings: Settings,
    contact: dict[str, Any],
    symposium: dict[str, Any],
) -> None:
    """What a mail client's one-click unsubscribe (RFC 8058) posts."""
    url = symposium_links(settings, contact_id=uuid.UUID(contact["id"]), symposium=symposium)
    response = await notify.post(
        urlsplit(url["unsubscribe"]).path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text


async def hard_bounce(notify: httpx.AsyncClient, token: Callable[..., str], email: str) -> None:
    webhook = {"email": email, "type": "hard", "reason": "550 5.1.1 user unknown"}
    response = await notify.post("/v1/bounces", json=webhook, headers=operator(token))
    assert response.status_code == 200, response.text


async def test_a_campaign_report_counts_letters_left_out_and_answers_exactly(
    world: World, token: Callable[..., str], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings("notify")
    symposium = await world.symposium(future_symposium(capacity=2))
    staff = await world.staff(7)
    attends, attends_too, waits, declines, _silent, bounces, unsubscribed = staff
    # Suppressed in notify before the draft (the registry has not heard yet): left out.
    await unsubscribe(world.notify, settings, unsubscribed, symposium)
    invitation = await draft(world.notify, token, symposium["id"], "invitation")
    assert invitation["recipient_count"] == 6
    assert (await approve(world.notify, token, invitation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 6}
    await hard_bounce(world.notify, token, bounces["email"])
    for person, choice in (
        (attends, "attend"),
        (attends_too, "attend"),
        (waits, "attend"),  # the capacity is 2: キャンセル待ち
        (declines, "decline"),
    ):
        await answer(world.notify, links_for(settings, person, symposium)[choice], choice)

    response = await world.notify.get(
        f"/v1/campaigns/{invitation['id']}/report", headers=operator(token)
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["campaign_id"], report["symposium_id"]) == (invitation["id"], symposium["id"])
    assert (report["kind"], report["status"], report["audience"]) == (
        "invitation",
        "done",
        "not_yet_invited",
    )
    assert {k: report[k] for k in ("invited", "delivered", "bounced", "failed")} == {
        "invited": 6,
        "delivered": 5,
        "bounced": 1,
        "failed": 0,
    }
    assert (report["suppressed"], report["pending"]) == (0, 0)
    assert report["deliveries"] == {
        "queued": 0,
        "sending": 0,
        "sent": 5,
        "retrying": 0,
        "failed": 0,
        "bounced": 1,
        "suppressed": 0,
    }
    assert report["left_out"]["total"] == 1
    assert report["left_out"]["by_reason"] == {"unsubscribed": 1}
    assert report["answers"] == {"attending": 2, "waitlisted": 1, "declined": 1, "no_answer": 1}


async def test_a_reminder_reports_no_left_out_and_an_unknown_campaign_is_404(
    registry: httpx.AsyncClient, notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    reminder = await draft(notify, token, symposium["id"], "reminder")

    response = await notify.get(f"/v1/campaigns/{reminder['id']}/report", headers=operator(token))
    missing = await notify.get(f"/v1/campaigns/{uuid.uuid4()}/report", headers=operator(token))

    assert response.status_code == 200, response.text
    assert (response.json()["left_out"], response.json()["invited"]) == (None, 0)
    assert response.json()["audience"] == "unanswered"
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("role", "claims", "status"),
    [
        (Role.operator, {}, 200),
        (Role.municipality, {"lg_code": "112071"}, 403),
        (Role.partner, {}, 403),
        (Role.reviewer, {"programme": "mirai-gijutsu"}, 403),
        (None, {}, 401),
    ],
)
async def test_only_operators_read_a_campaign_report(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    role: Role | None,
    claims: dict[str, str],
    status: int,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    await local_government_staff(registry, token, 1, uuid.uuid4().hex[:8])
    campaign = await draft(notify, token, symposium["id"], "invitation")
    headers = {} if role is None else {"Authorization": f"Bearer {token(role, **claims)}"}

    response = await notify.get(f"/v1/campaigns/{campaign['id']}/report", headers=headers)

    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["invited"] == response.json()["deliveries"]["queued"]
