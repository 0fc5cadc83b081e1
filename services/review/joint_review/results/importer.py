"""Load a published results table (the seed's layout) as a closed, published round of a fiscal year,
so earlier years count in later rounds' results.

The table names regions in free text (「北海道札幌市」, 「川崎市、箱根町」): the label is stored
with a normalised key, and no local government code is required. Marks must be marks of the
registry's programmes, and the round's legend is theirs as of the table's fiscal year
(``rounds/legend.py``). The whole file is taken, or nothing (every bad line is reported, see
``table.py``). The file is read like every import (``libs.common.uploads``): within a byte and a row
cap, UTF-8 or Shift_JIS. The import is audited (``joint_review_round.imported``), by the operator
who ran the command or by ``seed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, InvalidInput
from libs.common.fiscal_year import fiscal_year_label, fiscal_year_of, now_tokyo
from libs.common.search_text import normalise_search_key
from services.review.audit.service import record
from services.review.joint_review.models import JointImportedRegion, JointReviewRound
from services.review.joint_review.registry import Record
from services.review.joint_review.results import repository
from services.review.joint_review.results.service import sort_marks
from services.review.joint_review.results.table import TableRow, collaborating, parse_table
from services.review.joint_review.rounds.counts import programme_usage, selected_count
from services.review.joint_review.rounds.legend import round_programme
from services.review.joint_review.rounds.service import default_title
from services.review.joint_review.states import JointRoundState

Progress = Callable[[int, int], None]
# A fiscal year's table lists some dozens of regions (62 in 令和3年度); the caps only bound a
# wrong file.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000


def _imported_round(
    rows: list[TableRow], programmes: dict[str, Record], fiscal_year: int, actor: str, source: str
) -> JointReviewRound:
    """A published round (stored ``closed`` with ``published_at``) whose legend is the registry
    programmes the table marks, in legend order."""
    used = sort_marks(m for r in rows for m in r.marks + r.earlier_marks)
    now = now_tokyo()
    return JointReviewRound(
        id=uuid.uuid4(),
        fiscal_year=fiscal_year,
        title=default_title(fiscal_year),
        status=JointRoundState.closed,
        imported=True,
        source=source[:300],
        closed_at=now,
        published_at=now,
        created_by=actor,
        programmes=[
            round_programme(programmes[mark], fiscal_year, position=position)
            for position, mark in enumerate(used)
        ],
    )


class AlreadyImported(Conflict):
    """The fiscal year's table is in already: for ``jisso seed`` and the command, nothing to do."""


def unchanged(fiscal_year: int) -> str:
    """What ``jisso seed`` and the command say of a fiscal year whose table is in already."""
    return f"{fiscal_year_label(fiscal_year)}の合同審査の選定結果: 取り込み済み（unchanged）"


async def check_not_imported(session: AsyncSession, fiscal_year: int) -> None:
    if await repository.imported_round_of(session, fiscal_year) is not None:
        raise AlreadyImported(
            f"{fiscal_year_label(fiscal_year)}の選定結果は取り込み済みです"
            f"（a table for fiscal year {fiscal_year} was already imported）"
        )


def check_fiscal_year(fiscal_year: int, today: date) -> None:
    """A table is published after its year's selections: a fiscal year still to come has none."""
    current = fiscal_year_of(today)
    if fiscal_year > current:
        raise InvalidInput.field(
            "fiscal_year",
            "fiscal_year_future",
            f"{fiscal_year_label(fiscal_year)}はまだ始まっていません（today is in "
            f"{fiscal_year_label(current)}: no results table can exist yet）",
        )


async def import_results(
    session: AsyncSession,
    *,
    programmes: list[Record],
    content: bytes,
    fiscal_year: int,
    actor: str,
    source: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> JointReviewRound:
    """Store the table as a round; ``programmes`` are the registry's (``GET /v1/programmes``)."""
    check_fiscal_year(fiscal_year, today or now_tokyo().date())
    await check_not_imported(session, fiscal_year)
    by_mark = {p["mark"]: p for p in programmes}
    rows = parse_table(content, by_mark, fiscal_year, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    round_ = _imported_round(rows, by_mark, fiscal_year, actor, source)
    await repository.insert_round(session, round_)
    for done, row in enumerate(rows, start=1):
        repository.add_region(
            session,
            JointImportedRegion(
                round_id=round_.id,
                item_no=row.item_no,
                region_label=row.region_label,
                region_key=normalise_search_key(row.region_label),
                marks=row.marks,
                earlier_marks=row.earlier_marks,
            ),
        )
        if progress:
            progress(done, len(rows))
    await repository.flush(session)
    await _audit(session, round_, rows, actor)
    return round_


async def _audit(
    session: AsyncSession, round_: JointReviewRound, rows: list[TableRow], actor: str
) -> None:
    """The import's event, with the figures the round now shows (counted where the round counts)."""
    usage = await programme_usage(session, round_)
    await record(
        session,
        actor=actor,
        action="joint_review_round.imported",
        subject_type="joint_review_round",
        subject_id=round_.id,
        after={
            "fiscal_year": round_.fiscal_year,
            "source": round_.source,
            "regions": len(rows),
            "collaborating": sum(collaborating(r.marks, r.earlier_marks) for r in rows),
            "selected": {p.mark: selected_count(usage, p.programme_id) for p in round_.programmes},
        },
    )
