"""A batch of term ends from the review's sweep (``POST /v1/projects/term-ends``, up to 500).

Each item is judged by the rules of one end (``terms.py``: the project's visibility, its
decision id's earlier use, the state machine, the last supported day within the term) and is
applied, replayed or refused on its own. The batch is read and locked in one statement, as plain
rows (``terms_repository.lock_terms``), and what it applies is written in one more — the
projects' new terms, a term-change row per decision and an audit event per change — instead of
ORM objects, a flush of each and an answer model per item: the rules run per item in Python, the
storage per batch in SQL. The answer is a document built once, byte for byte what
``TermEndsOut`` would serialise (tests hold the two equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import DomainError, Forbidden, Problem
from libs.common.fiscal_year import now_tokyo
from libs.common.japanese_input import TokyoDatetime
from services.registry.projects import repository, terms_repository
from services.registry.projects.models import TermChange
from services.registry.projects.service import not_found, sees_proposers
from services.registry.projects.term_schemas import TermEndItemIn
from services.registry.projects.terms import (
    ACTIONS,
    Term,
    apply_end,
    decided_on_or_none,
    expired,
    replayed,
    term_fields,
)

Outcome = Literal["applied", "replayed", "refused"]
_RECORDED_AT = TypeAdapter(TokyoDatetime)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _change_document(
    term: Term, item: TermEndItemIn, previous: date, decided_on: date | None, recorded_at: str
) -> dict[str, Any]:
    """The applied end as ``TermChangeOut`` answers and stores it (its fields, in its order)."""
    return {
        "decision_id": item.decision_id,
        "kind": "end",
        "project_id": str(term.id),
        "previous_term_end": previous.isoformat(),
        "new_term_end": term.term_end.isoformat(),
        "status": term.status.value,
        "extensions": term.extensions,
        "ended_on": _day(term.ended_on),
        "reason": item.reason,
        "decided_on": _day(decided_on),
        "recorded_at": recorded_at,
    }


def _end_one(
    principal: Principal,
    term: Term | None,
    earlier: TermChange | None,
    item: TermEndItemIn,
    now: datetime,
    recorded_at: str,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One item: (the change as answered, the row ``write_ends`` stores — None for a replay);
    raises the refusal a single ``end_term`` would."""
    if term is None:
        raise not_found(item.project_id)
    if not sees_proposers(principal, term.lg_codes or ()):
        raise Forbidden("この事業を変更する権限がありません（not allowed to change this project）")
    if (replay := replayed(earlier, term.id, item.decision_id, "end")) is not None:
        return replay.model_dump(mode="json"), None
    decided_on = decided_on_or_none(item.decided_on, now.date())
    before, previous = term_fields(term), term.term_end
    was_expired = expired(term.status, term.last_kind)
    apply_end(term, reason=item.reason, effective_on=item.effective_on, expired=was_expired)
    term.last_kind = "end"  # a second item for this project sees this end
    change = _change_document(term, item, previous, decided_on, recorded_at)
    row = {
        "project_id": change["project_id"],
        "decision_id": item.decision_id,
        "kind": "end",
        "status": change["status"],
        "term_end": change["new_term_end"],
        "ended_on": change["ended_on"],
        "end_reason": term.end_reason,
        "previous_term_end": change["previous_term_end"],
        "reason": item.reason,
        "decided_on": change["decided_on"],
        "result": change,
        "before": {**before, "decision_id": item.decision_id},
        "after": {**term_fields(term), "decision_id": item.decision_id, "reason": item.reason},
    }
    return change, row


def _outcome(
    item: TermEndItemIn,
    outcome: Outcome,
    *,
    change: dict[str, Any] | None = None,
    problem: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One item's ``TermEndOutcome`` as a document (its fields, in its order)."""
    return {
        "project_id": str(item.project_id),
        "decision_id": item.decision_id,
        "outcome": outcome,
        "change": change,
        "problem": problem,
    }


async def end_terms(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[TermEndItemIn],
    problem_base: str,
) -> list[dict[str, Any]]:
    """End support of a batch of projects in one transaction, item by item by the rules of
    ``terms.end_term``: one refused item (ended, unknown, out of term) does not refuse the
    others, and carries the problem ``end_term`` would have answered (its type on
    ``problem_base``). Returns each item's outcome as a ``TermEndOutcome`` document."""
    rows = await terms_repository.lock_terms(
        session, [i.project_id for i in items], with_proposers=principal.role is Role.municipality
    )
    earlier = await repository.term_changes(session, [i.decision_id for i in items])
    batch = {project_id: Term(**row) for project_id, row in rows.items()}
    now = now_tokyo()
    recorded_at = _RECORDED_AT.dump_python(_RECORDED_AT.validate_python(now), mode="json")
    outcomes: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        try:
            change, end = _end_one(
                principal,
                batch.get(item.project_id),
                earlier.get(item.decision_id),
                item,
                now,
                recorded_at,
            )
        except DomainError as exc:
            problem = Problem(**exc.to_problem(base=problem_base))
            outcomes.append(_outcome(item, "refused", problem=problem.model_dump(mode="json")))
            continue
        outcomes.append(_outcome(item, "applied" if end else "replayed", change=change))
        if end is not None:
            ends.append({"n": n, **end})
    await terms_repository.write_ends(
        session, ends, action=ACTIONS["end"], actor=principal.actor, now=now
    )
    return outcomes
