"""Closing a round (締切り): selections become final, and results publish at once when the
announcement day has come.

A round closed before its effective application deadline shuts out applicants still inside the
window they were promised, so that takes an explicit ``force`` with a reason (rule
``round_close_before_deadline``); every close is audited (``joint_review_round.closed``), an early
one with ``forced_before_deadline``, the deadline and the reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import InvalidInput, RuleViolation
from libs.common.etag import check_if_match
from libs.common.fiscal_year import TOKYO, format_japanese_date, now_tokyo
from services.review.audit.service import audited, state_of
from services.review.joint_review.models import JointReviewRound
from services.review.joint_review.rounds import publication, repository
from services.review.joint_review.rounds.schemas import RoundClose
from services.review.joint_review.rounds.service import fire, get_round, round_etag, round_out
from services.review.joint_review.selections import repository as selections
from services.review.joint_review.states import JointReviewEvent

RULE = "round_close_before_deadline"


async def close_round(
    session: AsyncSession,
    *,
    principal: Principal,
    round_id: uuid.UUID,
    if_match: str | None,
    body: RoundClose | None = None,
    now: datetime | None = None,
) -> JointReviewRound:
    """Close the round (If-Match); before the deadline only when forced with a reason."""
    round_ = await get_round(session, round_id=round_id, for_update=True)
    now = now or now_tokyo()
    # Only operators close, and they are shown the selections: theirs is the representation read.
    read = round_out(round_, now.date(), await selections.programme_usage(session, round_id))
    check_if_match(if_match, round_etag(round_, read))
    closed = fire(round_, JointReviewEvent.close)
    notes = early_close_notes(round_, body or RoundClose(), now)
    async with audited(
        session,
        round_,
        actor=principal,
        action="joint_review_round.closed",
        subject_type="joint_review_round",
        snapshot=state_of,
        always=True,
        save=lambda: repository.save(session, round_),
    ) as change:
        round_.status = closed
        round_.closed_at = now
        announced = round_.announcement_effective_on
        if announced is not None and announced <= now.date():
            await publication.publish(session, round_=round_, now=now)
        change.after_note.update(notes)
    return round_


def early_close_notes(round_: JointReviewRound, body: RoundClose, now: datetime) -> dict[str, Any]:
    """What the audit event notes about the close; a refusal for an early close not forced."""
    reason = body.reason.strip()
    if body.force and not reason:
        raise InvalidInput.field(
            "body.reason",
            "required",
            "締切前に締め切る理由を記入してください（force needs a reason）",
        )
    deadline = round_.deadline_effective_at
    if deadline is None or now >= deadline:
        return {"reason": reason} if reason else {}
    shown = deadline.astimezone(TOKYO)
    if not body.force:
        raise RuleViolation(
            f"応募締切（{format_japanese_date(shown.date())} {shown:%H:%M}）前の回は、"
            "force と理由を指定しないと締め切れません"
            f"（the application deadline {shown.isoformat()} has not passed: send "
            '{"force": true, "reason": "…"} to close the round early）',
            rule=RULE,
            deadline_effective_at=shown.isoformat(),
        )
    return {
        "forced_before_deadline": True,
        "deadline_effective_at": shown.isoformat(),
        "reason": reason,
    }
