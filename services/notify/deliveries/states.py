"""The state machine of a delivery (配信): one letter to one mailbox, handed over exactly once.

A delivery is written ``queued`` (or ``suppressed``, when its mailbox already is); the sender
claims it (``sending``), and the SMTP server's answer moves it on. Every move is set-based SQL
fenced by the sender's claim (``repository.py``), whose ``WHERE state …`` and new state come
from this table; docs/notify.md shows the same table (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.state_machine import StateMachine


class DeliveryState(StrEnum):
    """配信の状態（a delivery's state）"""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    retrying = "retrying"
    failed = "failed"
    bounced = "bounced"
    suppressed = "suppressed"


class DeliveryEvent(StrEnum):
    claim = "claim"
    suppress = "suppress"
    send = "send"
    retry = "retry"
    fail = "fail"
    bounce = "bounce"
    report_bounce = "report_bounce"


S, E = DeliveryState, DeliveryEvent
AFTER_MARKER = "the final reply, after the end-of-data marker:"

DELIVERY: StateMachine[DeliveryState, DeliveryEvent] = StateMachine(
    name="notify.delivery",
    subject="配信",
    subject_en="delivery",
    states=DeliveryState,
    transitions={
        (S.queued, E.claim): S.sending,
        (S.retrying, E.claim): S.sending,
        (S.sending, E.claim): S.sending,
        (S.sending, E.suppress): S.suppressed,
        (S.sending, E.send): S.sent,
        (S.sending, E.retry): S.retrying,
        (S.sending, E.fail): S.failed,
        (S.sending, E.bounce): S.bounced,
        (S.sent, E.retry): S.retrying,
        (S.sent, E.fail): S.failed,
        (S.sent, E.report_bounce): S.bounced,
    },
    labels={
        S.queued: "送信待ち",
        S.sending: "送信中",
        S.sent: "送信済み",
        S.retrying: "再送待ち",
        S.failed: "送信失敗",
        S.bounced: "不達",
        S.suppressed: "配信停止中のため送信せず",
    },
    notes={
        (S.queued, E.claim): "sender (`FOR UPDATE SKIP LOCKED`), attempt + 1",
        (S.retrying, E.claim): "sender, once `next_attempt_at` has come",
        (
            S.sending,
            E.claim,
        ): "sender: a row a dead sender left, after `NOTIFY_SENDING_LEASE_SECONDS`",
        (S.sending, E.suppress): "its mailbox was suppressed after it was queued: never sent",
        (S.sending, E.send): "committed with the end-of-data marker (fenced by the claim)",
        (S.sending, E.retry): "4xx or no connection: backoff with jitter",
        (S.sending, E.fail): "5xx, content that cannot render, or `NOTIFY_MAX_ATTEMPTS` spent",
        (S.sending, E.bounce): "550-class RCPT answer: the mailbox is suppressed",
        (S.sent, E.retry): f"{AFTER_MARKER} 4xx",
        (S.sent, E.fail): f"{AFTER_MARKER} 5xx (or the last attempt's 4xx)",
        (S.sent, E.report_bounce): "a hard-bounce report (`POST /v1/bounces`): suppressed",
    },
    internal=frozenset({E.claim, E.suppress, E.send, E.retry, E.fail, E.bounce}),
)

# Not finished: the sender still has work on it (a campaign with any is not done).
PENDING = (S.queued, S.sending, S.retrying)
