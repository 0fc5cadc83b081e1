"""Campaign rules that compare a draft with the registry's symposium as it is now (現況との照合):
a stale draft is never approved, a symposium that is over is never invited to, and a symposium
has at most one invitation campaign under way."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict
from libs.common.queue import utcnow
from services.notify.campaigns import repository
from services.notify.campaigns.models import Campaign
from services.notify.letters.textformat import as_instant

OVER_STATUSES = ("held", "cancelled")


def check_not_over(symposium: dict[str, Any], kind: str) -> None:
    """An invitation (案内) to a symposium that has ended, was held or was cancelled is refused:
    nobody can attend it, and its RSVP links would already have expired."""
    if kind != "invitation":
        return
    status = symposium.get("status")
    ended = as_instant(symposium["ends_at"], "symposium.ends_at") <= utcnow()
    if status in OVER_STATUSES or ended:
        raise Conflict(
            "終了・中止したシンポジウムには案内を送れません"
            "（the symposium is over: its end has passed or it was held or cancelled）",
            rule="symposium_over",
            symposium_status=status,
            ends_at=str(symposium["ends_at"]),
        )


def check_venue(symposium: dict[str, Any], kind: str) -> None:
    """An in-person or hybrid session is not announced without its venue (会場): the letter
    and the calendar entry would send people nowhere."""
    if kind == "cancellation" or symposium.get("format") not in ("in_person", "hybrid"):
        return
    if not symposium.get("venue"):
        raise Conflict(
            "会場が未登録のため、対面・ハイブリッド開催のご案内は送れません。台帳に会場を登録してください"
            f"（a {symposium.get('format')} symposium needs its venue in the registry first）",
            rule="venue_required",
            symposium_format=symposium.get("format"),
        )


def check_current(campaign: Campaign, symposium: dict[str, Any]) -> None:
    """A draft made before the symposium moved carries the old date, ``SEQUENCE`` and RSVP
    expiry: approving it would tell people the wrong thing, so it is refused, naming both."""
    current = int(symposium.get("sequence") or 0)
    if campaign.sequence != current:
        raise Conflict(
            "下書きの作成後にシンポジウムの日時・形式・URL・会場が変更されています"
            f"（変更番号 sequence: 下書き {campaign.sequence}、現在 {current}）。"
            "下書きを取り消して作り直してください"
            f"（stale draft: drafted at sequence {campaign.sequence}, the symposium is now at "
            f"{current}; cancel it and draft again）",
            rule="stale_draft",
            draft_sequence=campaign.sequence,
            symposium_sequence=current,
        )


async def check_not_announced(session: AsyncSession, symposium: dict[str, Any], kind: str) -> None:
    """An update or a cancellation says one thing about one version of the symposium: a second
    one for the same version (drafted, under way or sent) would tell everyone twice. One person's
    missing letter is sent again with ``POST /v1/deliveries/{id}/resend``."""
    if kind not in ("update", "cancellation"):
        return
    sequence = int(symposium.get("sequence") or 0)
    earlier = await repository.same_announcement(
        session, uuid.UUID(str(symposium["id"])), kind=kind, sequence=sequence
    )
    if earlier is not None:
        raise Conflict(
            "このシンポジウムのこの版については、同じお知らせを既に作成・送信しています"
            f"（a {kind} campaign for sequence {sequence} is already {earlier.status}; resend one "
            "person's letter instead）",
            rule="already_announced",
            campaign_id=str(earlier.id),
            campaign_status=str(earlier.status),
        )


async def check_one_invitation(session: AsyncSession, symposium_id: uuid.UUID, kind: str) -> None:
    """At most one invitation campaign per symposium is under way (draft, approved or sending);
    once it is done or cancelled a new invitation may be drafted (by default to those no earlier
    invitation reached: ``audiences.Audience.not_yet_invited``)."""
    if kind != "invitation":
        return
    active = await repository.active_invitation(session, symposium_id)
    if active is not None:
        raise Conflict(
            "このシンポジウムには進行中の案内キャンペーンがあります"
            f"（an invitation campaign for this symposium is already {active.status}）",
            rule="one_active_invitation",
            campaign_id=str(active.id),
            campaign_status=str(active.status),
        )
