"""The state machine of a campaign (案内キャンペーン), one table enforced on every path.

A draft is approved once and then sent; approving again answers the same and sends nothing, and
only a draft can be cancelled (取り消し). Endpoints and the reminder run call ``CAMPAIGN.fire``; the
sender's set-based updates (``deliveries/repository.py``) take their ``WHERE status IN …`` from
``CAMPAIGN.moves``; docs/notify.md shows this same table (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.state_machine import StateMachine


class CampaignState(StrEnum):
    """キャンペーンの状態（a campaign's state）"""

    draft = "draft"
    # Approved, no delivery claimed yet. No path writes it today (an approval goes straight to
    # `sending`); a row in it is sent like a `sending` one.
    approved = "approved"
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


class CampaignEvent(StrEnum):
    approve = "approve"
    start = "start"
    finish = "finish"
    cancel = "cancel"


S, E = CampaignState, CampaignEvent
REPEAT = "a repeat answers the same and sends nothing"
FINISHED = "sender: no delivery left queued, sending or retrying"

CAMPAIGN: StateMachine[CampaignState, CampaignEvent] = StateMachine(
    name="notify.campaign",
    subject="キャンペーン",
    subject_en="campaign",
    states=CampaignState,
    transitions={
        (S.draft, E.approve): S.sending,
        (S.approved, E.approve): S.approved,
        (S.sending, E.approve): S.sending,
        (S.done, E.approve): S.done,
        (S.approved, E.start): S.sending,
        (S.approved, E.finish): S.done,
        (S.sending, E.finish): S.done,
        (S.draft, E.cancel): S.cancelled,
        (S.cancelled, E.cancel): S.cancelled,
    },
    labels={
        S.draft: "下書き",
        S.approved: "承認済み",
        S.sending: "送信中",
        S.done: "送信完了",
        S.cancelled: "取り消し",
    },
    notes={
        (S.draft, E.approve): "operator (If-Match), or the reminder run: the sender is queued",
        (S.approved, E.approve): REPEAT,
        (S.sending, E.approve): REPEAT,
        (S.done, E.approve): REPEAT,
        (S.approved, E.start): "sender: its first deliveries are claimed",
        (S.approved, E.finish): FINISHED,
        (S.sending, E.finish): f"{FINISHED} (at its approval when it has no recipient)",
        (S.draft, E.cancel): "operator (If-Match): its deliveries are deleted",
        (S.cancelled, E.cancel): "a repeat changes nothing",
    },
    internal=frozenset({E.start, E.finish}),
)

# Its deliveries may be sent (the sender claims them).
SENDABLE = (S.approved, S.sending)
# Its letters went out or are going out: what reminders and updates look back on.
ANNOUNCED = (S.sending, S.done)
