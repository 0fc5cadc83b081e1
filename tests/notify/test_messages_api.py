"""``/v1/previews`` and ``/v1/messages`` over HTTP, in the test's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.messages.models import Message
from services.notify.models import outbox

DECISION = {
    "project_name": "ドローン物流実装事業",
    "local_government": "秩父市",
    "decision": "approved",
    "decided_on": "2021-12-17",
    "term_end": "2024-03-31",
}
SYMPOSIUM = {
    "id": "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    "number": 4,
    "theme": "共通の課題",
    "starts_at": "2022-02-17T13:30:00+09:00",
    "ends_at": "2022-02-17T15:00:00+09:00",
    "format": "web",
}


def auth(token: Callable[..., str], role: Role = Role.operator, **claims: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, **claims)}"}


async def row_counts(session: AsyncSession) -> tuple[int, int, int]:
    return (
        int(await session.scalar(select(func.count()).select_from(Message)) or 0),
        int(await session.scalar(select(func.count()).select_from(Delivery)) or 0),
        int(await session.scalar(select(func.count()).select_from(outbox)) or 0),
    )


async def test_preview_renders_any_kind_and_writes_nothing(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    before = await row_counts(session)
    response = await notify.post(
        "/v1/previews",
        json={
            "kind": "symposium_invitation",
            "context": {"symposium": SYMPOSIUM},
            "recipient": {"name": "秩父 花子", "email": "Hanako@Example.JP"},
        },
        headers=auth(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["subject"]
        == "【ご案内】第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木）開催）"
    )
    assert body["text"].startswith("秩父 花子 様")
    assert "令和4年2月17日（木）13:30〜15:00" in body["html"]
    assert "/v1/rsvp/preview?response=attend" in body["text"]
    assert await row_counts(session) == before


async def test_the_promotion_preview_has_the_links_its_letter_has(
    notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    """The waitlist promotion is a full invitation: RSVP and unsubscribe links, as its letter."""
    response = await notify.post(
        "/v1/previews",
        json={
            "kind": "symposium_waitlist_promoted",
            "context": {"symposium": SYMPOSIUM},
            "recipient": {"name": "秩父 花子", "email": "hanako@example.jp"},
        },
        headers=auth(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"].startswith("【参加確定】")
    for part in (body["text"], body["html"]):
        assert "「欠席する」" in part
        assert "/v1/unsubscribe/preview" in part and "/v1/rsvp/preview?response=decline" in part


async def test_preview_problems(notify: httpx.AsyncClient, token: Callable[..., str]) -> None:
    unknown = await notify.post(
        "/v1/previews",
        json={"kind": "nope", "context": {}, "recipient": {"email": "a@example.jp"}},
        headers=auth(token),
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["errors"][0]["field"] == "body.kind"
    missing = await notify.post(
        "/v1/previews",
        json={
            "kind": "continuation_decision",
            "context": {"project_name": "x"},
            "recipient": {"email": "a@example.jp"},
        },
        headers=auth(token),
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.context.local_government"
    forbidden = await notify.post(
        "/v1/previews",
        json={
            "kind": "continuation_decision",
            "context": DECISION,
            "recipient": {"email": "a@x.jp"},
        },
        headers=auth(token, Role.partner),
    )
    assert forbidden.status_code == 403


def message_body(key: str, *emails: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "continuation_decision",
        "dedupe_key": key,
        "context": DECISION,
        "recipients": [{"name": f"受信者{i}", "email": e} for i, e in enumerate(emails)],
        **extra,
    }


async def test_a_message_queues_one_delivery_per_distinct_address_and_schedules_the_sender(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    session.add(Suppression(email="gone@example.jp", state="bounced", reason="550"))
    await session.flush()
    body = message_body(
        "decision:api-1", "a@example.jp", "B@Example.jp", "b@example.jp", "gone@example.jp"
    )
    response = await notify.post("/v1/messages", json=body, headers=auth(token, Role.service))
    assert response.status_code == 201, response.text
    out = response.json()
    assert response.headers["Location"] == f"/v1/messages/{out['id']}"
    assert out["counts"] == {"queued": 2, "suppressed": 1}
    # One delivery per mailbox, sent to the first spelling given; keyed by the mailbox.
    by_email = {d["email"]: d for d in out["deliveries"]}
    assert set(by_email) == {"a@example.jp", "B@example.jp", "gone@example.jp"}
    assert by_email["a@example.jp"]["smtp_message_id"].endswith("@jisso.invalid>")
    keys = (await session.scalars(select(Delivery.dedupe_key).order_by(Delivery.email_key))).all()
    assert keys == [
        "message:decision:api-1:a@example.jp",
        "message:decision:api-1:b@example.jp",
        "message:decision:api-1:gone@example.jp",
    ]
    jobs = (await session.execute(select(outbox.c.function, outbox.c.payload))).all()
    assert [(f, p["message_id"]) for f, p in jobs] == [("send_due_deliveries", out["id"])]

    again = await notify.post(
        "/v1/messages",
        json=message_body("decision:api-1", "c@example.jp"),
        headers=auth(token, Role.operator),
    )
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == out["id"]
    assert again.json()["counts"] == {"queued": 2, "suppressed": 1}
    assert len((await session.execute(select(outbox.c.id))).all()) == 1

    got = await notify.get(f"/v1/messages/{out['id']}", headers=auth(token))
    assert got.status_code == 200
    assert got.json()["counts"] == {"queued": 2, "suppressed": 1}


async def test_idempotency_key_replays_the_first_response(
    notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    headers = {**auth(token, Role.service), "Idempotency-Key": "k-1"}
    first = await notify.post(
        "/v1/messages", json=message_body("decision:api-2", "a@example.jp"), headers=headers
    )
    second = await notify.post(
        "/v1/messages", json=message_body("decision:api-2", "a@example.jp"), headers=headers
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


async def test_the_same_dedupe_key_with_another_context_is_refused(
    notify: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    """A decision corrected from approved to rejected under the old key is a 422, never the
    first letter's 200: the correction needs its own key."""
    headers = auth(token, Role.service)
    first = await notify.post(
        "/v1/messages", json=message_body("decision:api-3", "a@example.jp"), headers=headers
    )
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    corrected = {**message_body("decision:api-3", "a@example.jp")}
    corrected["context"] = {**DECISION, "decision": "rejected"}
    refused = await notify.post("/v1/messages", json=corrected, headers=headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
        ("body.dedupe_key", "dedupe_key_reused")
    ]
    assert problem["dedupe_key"] == "decision:api-3"
    # Key order is not content: the same context spelt in another order is a replay.
    reordered = {**message_body("decision:api-3", "a@example.jp")}
    reordered["context"] = dict(reversed(list(DECISION.items())))
    replay = await notify.post("/v1/messages", json=reordered, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["context"]["decision"] == "approved"
    assert await row_counts(session) == (1, 1, 1)
    corrected["dedupe_key"] = "decision:api-3:corrected"
    assert (await notify.post("/v1/messages", json=corrected, headers=headers)).status_code == 201


async def test_message_problems(notify: httpx.AsyncClient, token: Callable[..., str]) -> None:
    cases = [
        (message_body("k", "a@example.jp", kind="nope"), "body.kind"),
        (message_body("k", "not-an-address"), "body.recipients.0.email"),
        (
            {**message_body("k", "a@example.jp"), "context": {"project_name": "x"}},
            "body.context.local_government",
        ),
        (
            {
                **message_body("k", "a@example.jp"),
                "kind": "symposium_invitation",
                "context": {"symposium": SYMPOSIUM},
            },
            "body.kind",
        ),
    ]
    for body, field in cases:
        response = await notify.post("/v1/messages", json=body, headers=auth(token))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    municipality = await notify.post(
        "/v1/messages",
        json=message_body("k", "a@example.jp"),
        headers=auth(token, Role.municipality, lg_code="112071"),
    )
    assert municipality.status_code == 403
    missing = await notify.get(
        "/v1/messages/6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", headers=auth(token)
    )
    assert missing.status_code == 404
