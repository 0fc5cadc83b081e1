"""選定件数 — what each programme selected in a round, counted in one place for both the round
(``programmes[].selected``, ``selected_amount_yen``) and its results (``totals.by_programme``), so
the two cannot disagree.

A live round counts its selections and sums their first-year amounts. An imported round counts the
rows of its published table that carry the programme's mark (the FY2021 table: ☆9 □9 ○14 ●12
■30); a published table states no amounts, so its ``selected_amount_yen`` is null. Who may see the
figures is ``visibility.py``'s business, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from services.review.joint_review.models import JointReviewRound
from services.review.joint_review.rounds import repository
from services.review.joint_review.selections import repository as selections

# programme id → (selections, sum of their first-year amounts, null when the source states none).
Usage = Mapping[str, tuple[int, int | None]]


async def programme_usage(session: AsyncSession, round_: JointReviewRound) -> Usage:
    if round_.imported:
        return await repository.imported_programme_counts(session, round_.id)
    return await selections.programme_usage(session, round_.id)


def selected_count(usage: Usage, programme_id: str) -> int:
    return usage.get(programme_id, (0, 0))[0]


def selected_amount(usage: Usage, programme_id: str) -> int | None:
    return usage.get(programme_id, (0, 0))[1]
