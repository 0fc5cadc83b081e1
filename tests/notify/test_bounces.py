"""``/v1/bounces`` (RFC 3464 DSN and webhook) and ``/v1/deliveries``, with the real registry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.deliveries.service import suppress_and_mirror
from services.notify.deliveries.tasks import record_suppression_in_registry
from services.notify.messages.models import Message
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient


def auth(token: Callable[..., str], role: Role = Role.service) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


async def sent_delivery(session: AsyncSession, email: str, *, minutes_ago: int = 5) -> Delivery:
    message = Message(kind="continuation_decision", dedupe_key=f"k:{uuid.uuid4()}", context={})
    session.add(message)
    await session.flush()
    delivery = Delivery(
        message_id=message.id,
        dedupe_key=f"message:{message.dedupe_key}:{email}",
        kind="continuation_decision",
        email=email,
        name="",
        state="sent",
        attempts=1,
        sent_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        smtp_message_id=f"<{uuid.uuid4()}@jisso>",
    )
    session.add(delivery)
    await session.flush()
    return delivery


def dsn(recipient: str, *, status: str, action: str, message_id: str) -> tuple[bytes, str]:
    """A DSN as an MTA writes it; returns the body and the Content-Type that carries the
    boundary."""
    boundary = "dsn-boundary-1"
    body = (
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Delivery to the following recipient failed permanently.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.jp\r\n"
        "Arrival-Date: Thu, 17 Feb 2022 13:00:00 +0900\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} user unknown\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: office@jisso.invalid\r\n"
        f"To: {recipient}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Subject: =?utf-8?b?5qGI5YaF?=\r\n\r\n"
        f"--{boundary}--\r\n"
    )
    content_type = f'multipart/report; report-type=delivery-status; boundary="{boundary}"'
    return body.encode(), content_type


async def test_a_dsn_hard_bounce_suppresses_here_and_in_the_registry(
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: httpx.AsyncClient,
    notify_registry_client: RegistryClient,
) -> None:
    contact = await registry.post(
        "/v1/contacts",
        json={
            "name": "不達 太郎",
            "email": "Gone@Example.jp",
            "stakeholder_category": "private_company",
        },
        headers=auth(token, Role.operator),
    )
    assert contact.status_code == 201, contact.text
    older = await sent_delivery(session, "gone@example.jp", minutes_ago=60)
    bounced = await sent_delivery(session, "gone@example.jp", minutes_ago=90)  # named by its id
    body, content_type = dsn(
        "gone@example.jp", status="5.1.1", action="failed", message_id=bounced.smtp_message_id
    )
    response = await notify.post(
        "/v1/bounces", content=body, headers={**auth(token), "Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcomes"] == [
        {
            "email": "gone@example.jp",
            "type": "hard",
            "action": "suppressed",
            "delivery_id": str(bounced.id),
        }
    ]
    await session.refresh(bounced)
    await session.refresh(older)
    assert (bounced.state, older.state) == ("bounced", "sent")
    assert bounced.last_error is not None and "5.1.1" in bounced.last_error
    suppression = await session.get(Suppression, "gone@example.jp")
    assert suppression is not None and suppression.state == "bounced"
    (job,) = (await session.execute(select(outbox.c.function, outbox.c.payload))).all()
    assert job.function == "record_suppression_in_registry"

    # The job the outbox publishes, run as the worker runs it, against the real registry.
    ctx = {"sessionmaker": sessionmaker, "registry": notify_registry_client}
    await record_suppression_in_registry(ctx, job.payload)
    await record_suppression_in_registry(ctx, job.payload)  # arq may run it twice
    got = await registry.get(
        f"/v1/contacts/{contact.json()['id']}", headers=auth(token, Role.operator)
    )
    assert got.json()["suppression"] == "bounced"

    again = await notify.post(
        "/v1/bounces", content=body, headers={**auth(token), "Content-Type": content_type}
    )
    assert again.json()["outcomes"][0]["action"] == "already_suppressed"
    assert len((await session.execute(select(outbox.c.id))).all()) == 1
    await registry.aclose()


async def test_a_bounce_after_an_unsubscribe_keeps_both_reasons_here_and_in_the_registry(
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: httpx.AsyncClient,
    notify_registry_client: RegistryClient,
) -> None:
    """The bounce is the stronger kind and is in effect; the unsubscribe and its words stay on
    record on both sides, with when and who."""
    contact = await registry.post(
        "/v1/contacts",
        json={"name": "両方 花子", "email": "both@example.jp", "stakeholder_category": "other"},
        headers=auth(token, Role.operator),
    )
    assert contact.status_code == 201, contact.text
    assert await suppress_and_mirror(
        session,
        outbox,
        email="Both@example.jp",
        reason="本人希望",
        state="unsubscribed",
        by="recipient",
    )
    webhook = {"email": "both@example.jp", "type": "hard", "reason": "550 5.1.1 user unknown"}
    response = await notify.post("/v1/bounces", json=webhook, headers=auth(token))
    assert response.status_code == 200, response.text
    assert response.json()["outcomes"][0]["action"] == "already_suppressed"
    repeat = await notify.post("/v1/bounces", json=webhook, headers=auth(token))
    assert repeat.status_code == 200, repeat.text
    suppression = await session.get(Suppression, "both@example.jp")
    assert suppression is not None
    await session.refresh(suppression)
    assert (suppression.state, suppression.reason) == ("bounced", "550 5.1.1 user unknown")
    assert [(r["state"], r["reason"]) for r in suppression.reasons] == [
        ("unsubscribed", "本人希望"),
        ("bounced", "550 5.1.1 user unknown"),
    ]
    assert suppression.reasons[0]["by"] == "recipient"
    assert suppression.reasons[1]["by"].startswith("service:")  # the reporter's principal
    # One job per new reason, none for the repeat; run in the order they were reported.
    rows = (await session.execute(select(outbox.c.payload))).all()
    jobs = sorted(rows, key=lambda j: j.payload["state"] != "unsubscribed")
    assert [j.payload["state"] for j in jobs] == ["unsubscribed", "bounced"]

    ctx = {"sessionmaker": sessionmaker, "registry": notify_registry_client}
    for job in jobs:
        await record_suppression_in_registry(ctx, job.payload)
    got = (
        await registry.get(
            f"/v1/contacts/{contact.json()['id']}", headers=auth(token, Role.operator)
        )
    ).json()
    assert (got["suppression"], got["suppression_reason"]) == ("bounced", "550 5.1.1 user unknown")
    assert [(r["state"], r["reason"]) for r in got["suppression_reasons"]] == [
        ("unsubscribed", "本人希望"),
        ("bounced", "550 5.1.1 user unknown"),
    ]
    await registry.aclose()


async def test_a_soft_dsn_changes_nothing(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    delivery = await sent_delivery(session, "busy@example.jp")
    body, content_type = dsn(
        "busy@example.jp", status="4.2.2", action="delayed", message_id=delivery.smtp_message_id
    )
    response = await notify.post(
        "/v1/bounces", content=body, headers={**auth(token), "Content-Type": content_type}
    )
    assert response.json()["outcomes"][0]["action"] == "ignored"
    await session.refresh(delivery)
    assert delivery.state == "sent"
    assert await session.get(Suppression, "busy@example.jp") is None


async def test_a_webhook_hard_bounce_finds_the_latest_delivery_to_the_address(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    older = await sent_delivery(session, "old@example.jp", minutes_ago=60)
    latest = await sent_delivery(session, "old@example.jp", minutes_ago=1)
    response = await notify.post(
        "/v1/bounces",
        json={"email": "OLD@example.jp", "type": "hard", "reason": "mailbox full for a year"},
        headers=auth(token, Role.operator),
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcomes"][0]["delivery_id"] == str(latest.id)
    await session.refresh(latest)
    await session.refresh(older)
    assert (latest.state, older.state) == ("bounced", "sent")
    soft = await notify.post(
        "/v1/bounces",
        json={"email": "x@example.jp", "type": "soft", "reason": "452 4.2.2 mailbox busy"},
        headers=auth(token),
    )
    assert soft.json()["outcomes"][0]["action"] == "ignored"


async def test_bounce_problems(notify: httpx.AsyncClient, token: Callable[..., str]) -> None:
    bad_json = await notify.post(
        "/v1/bounces", json={"email": "x@example.jp", "type": "bouncy"}, headers=auth(token)
    )
    assert bad_json.status_code == 422
    assert bad_json.json()["errors"][0]["field"] == "body.type"
    for reason in ({}, {"reason": ""}, {"reason": "   "}):
        blank = await notify.post(
            "/v1/bounces",
            json={"email": "x@example.jp", "type": "hard", **reason},
            headers=auth(token),
        )
        assert blank.status_code == 422, blank.text
        assert [e["field"] for e in blank.json()["errors"]] == ["body.reason"]
    not_dsn = await notify.post(
        "/v1/bounces",
        content=b"Subject: hello\r\n\r\nhi\r\n",
        headers={**auth(token), "Content-Type": "message/rfc822"},
    )
    assert not_dsn.status_code == 422
    partner = await notify.post(
        "/v1/bounces",
        json={"email": "x@example.jp", "type": "hard"},
        headers=auth(token, Role.partner),
    )
    assert partner.status_code == 403


async def test_deliveries_are_listed_filtered_and_paged(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    rows = [await sent_delivery(session, f"p{i}@example.jp") for i in range(5)]
    rows[0].state = "failed"
    await session.flush()
    headers = auth(token, Role.operator)
    seen: list[str] = []
    url: str | None = "/v1/deliveries?limit=2&state=sent"
    while url:
        page = await notify.get(url, headers=headers)
        assert page.status_code == 200, page.text
        seen += [d["email"] for d in page.json()["items"]]
        url = page.json()["next"]
    assert sorted(seen) == [f"p{i}@example.jp" for i in range(1, 5)]
    by_email = await notify.get("/v1/deliveries?email=P0@example.jp", headers=headers)
    assert [(d["email"], d["state"]) for d in by_email.json()["items"]] == [
        ("p0@example.jp", "failed")
    ]
    by_message = await notify.get(
        f"/v1/deliveries?message_id={rows[2].message_id}", headers=headers
    )
    assert [d["id"] for d in by_message.json()["items"]] == [str(rows[2].id)]
    service = await notify.get("/v1/deliveries", headers=auth(token, Role.service))
    assert service.status_code == 403
