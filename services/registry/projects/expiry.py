"""The term sweep (支援期間満了): a project's stored status follows its term.

Every project still ``supported`` or ``extended`` whose term ended before today (Asia/Tokyo) ends,
its last supported day the term end, with reason 支援期間満了: one set-based UPDATE per source state
of the machine's ``expire_term`` moves, a term change ``expiry:<project>:<last day>`` each (the term
history shows it) and one audit event each (``project.term_expired``). A second run finds nothing
left, so it is idempotent; the worker runs it hourly (the first slot of a Tokyo day ends what the
day before closed), and ``jisso seed`` runs it once.

The review service's own decisions still land on such a project (``terms.py``): its end records
the decision and its reason, its approval continues the term. Whichever comes first, the sweep or
the review's end at the term end, the project ends once, on the same last day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO, now_tokyo
from services.registry.audit.service import record_many
from services.registry.projects import terms_repository
from services.registry.projects.states import (
    EXPIRY_REASON,
    PROJECT,
    ProjectEvent,
    ProjectStatus,
)

ACTOR = "system:registry-term-sweep"
ACTION = "project.term_expired"
# Projects per statement: a sweep's memory stays that of one batch however many terms ran out.
BATCH = 5_000


def expiry_id(project_id: object, last_day: date) -> str:
    """The decision id an expiry is recorded under (never replayed to a caller)."""
    return f"expiry:{project_id}:{last_day.isoformat()}"


def _term_change(row: Row[Any], now: datetime) -> dict[str, Any]:
    decision_id = expiry_id(row.id, row.term_end)
    last_day = row.term_end.isoformat()
    # The stored answer has the shape of TermChangeOut, like every other term change.
    result = {
        "decision_id": decision_id,
        "kind": "end",
        "project_id": str(row.id),
        "previous_term_end": last_day,
        "new_term_end": last_day,
        "status": ProjectStatus.ended.value,
        "extensions": row.extensions,
        "ended_on": last_day,
        "reason": EXPIRY_REASON,
        "decided_on": None,
        "recorded_at": now.isoformat(),
    }
    return {
        "decision_id": decision_id,
        "project_id": row.id,
        "kind": "expiry",
        "previous_term_end": row.term_end,
        "new_term_end": row.term_end,
        "reason": EXPIRY_REASON,
        "decided_on": None,
        "result": result,
        "created_at": now,
    }


def _audit(row: Row[Any], source: ProjectStatus) -> tuple[object, dict[str, Any], dict[str, Any]]:
    term = {
        "term_end": row.term_end.isoformat(),
        "extensions": row.extensions,
        "extended_on": row.extended_on.isoformat() if row.extended_on else None,
    }
    return (
        row.id,
        {"status": source.value, **term, "ended_on": None},
        {
            "status": ProjectStatus.ended.value,
            **term,
            "ended_on": row.term_end.isoformat(),
            "reason": EXPIRY_REASON,
            "decision_id": expiry_id(row.id, row.term_end),
        },
    )


async def end_expired_terms(
    session: AsyncSession, *, today: date, now: datetime | None = None
) -> int:
    """End every supported or extended project whose term ended before ``today``; how many."""
    now = now or now_tokyo()
    ended = 0
    for source, target in PROJECT.moves(ProjectEvent.expire_term).items():
        while True:
            rows = await terms_repository.expire(
                session,
                source=source,
                target=target,
                today=today,
                reason=EXPIRY_REASON,
                now=now,
                limit=BATCH,
            )
            await terms_repository.add_expiries(session, [_term_change(r, now) for r in rows])
            await record_many(
                session,
                actor=ACTOR,
                action=ACTION,
                subject_type="project",
                changes=[_audit(r, source) for r in rows],
            )
            ended += len(rows)
            if len(rows) < BATCH:
                break
    return ended


def sweep_day(as_of: str | datetime) -> date:
    """The Tokyo day of a sweep's ``as_of`` (the scheduler's slot, in UTC)."""
    moment = datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TOKYO)
    return moment.astimezone(TOKYO).date()
