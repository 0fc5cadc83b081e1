"""公表前の秘匿 — the joint review's embargo, one rule for every way a selection could get out.

Until a round is published (:func:`is_published`), what the programmes selected is known to
operators only; after it, to everyone the route lets in. Every exit goes through here:

- a round, alone or listed: per-programme ``selected`` and ``selected_amount_yen``
  (:func:`selection_usage`);
- an application, alone, listed or as submitted: ``programmes[].selected``
  (:func:`selected_programmes`);
- results as JSON, CSV and XLSX: 404 before publication, so they are not even known to exist
  (:func:`require_results_visible`);
- ETags: one per representation (``libs.common.etag.representation_etag``, a digest of the body
  the caller receives), so a caller under embargo, whose body a selection leaves alone, keeps its
  ETag too;
- selections themselves: operator-only routes (``Operator`` in the router);
- the audit trail: ``GET /v1/audit`` is operators' only (libs.common.audit), and the joint review
  writes no selection events to it;
- letters: applicants' result letters and ☆ registry projects are written to the outbox by
  ``rounds/publication.py``, at publication and not before; notify's ``/v1/previews`` renders
  only the context an operator sends it and reads nothing of the review service.

A hidden fact is ``null`` — not absent, and never ``false`` or ``0``, which would be facts too —
and the schemas say so (docs/review.md, "The embargo").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import NotFound
from libs.common.fiscal_year import today_tokyo
from services.review.joint_review.models import JointReviewRound
from services.review.joint_review.rounds.counts import Usage, programme_usage
from services.review.joint_review.selections import repository
from services.review.joint_review.states import JointRoundState


def is_published(round_: JointReviewRound, today: date | None = None) -> bool:
    """Public once published, or once a closed round's announcement day has come (the sweep that
    sets ``published_at`` may not have run yet; visibility does not wait for it)."""
    if round_.published_at is not None:
        return True
    day = round_.announcement_effective_on
    return (
        round_.status == JointRoundState.closed
        and day is not None
        and day <= (today or today_tokyo())
    )


def sees_selections(principal: Principal, round_: JointReviewRound, today: date) -> bool:
    return principal.role is Role.operator or is_published(round_, today)


async def selection_usage(
    session: AsyncSession, principal: Principal, round_: JointReviewRound, today: date
) -> Usage | None:
    """The round's selection counts and amounts as this caller may see them; None under embargo."""
    if not sees_selections(principal, round_, today):
        return None
    return await programme_usage(session, round_)


async def selected_programmes(
    session: AsyncSession,
    principal: Principal,
    round_: JointReviewRound,
    application_ids: Sequence[uuid.UUID],
    today: date,
) -> dict[uuid.UUID, list[str]] | None:
    """application id → the programmes that selected it, as this caller may see; None under
    embargo."""
    if not sees_selections(principal, round_, today):
        return None
    chosen: dict[uuid.UUID, list[str]] = {app_id: [] for app_id in application_ids}
    for selection in await repository.selections_of(session, list(application_ids)):
        chosen.setdefault(selection.application_id, []).append(selection.programme_id)
    return {app_id: sorted(ids) for app_id, ids in chosen.items()}


def require_results_visible(principal: Principal, round_: JointReviewRound, today: date) -> None:
    if not sees_selections(principal, round_, today):
        announced = round_.announcement_effective_on
        raise NotFound(
            "選定結果は公表前です（the results are embargoed until the announcement）",
            announcement_effective_on=announced.isoformat() if announced else None,
        )
