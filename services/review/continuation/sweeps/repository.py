"""The sweeps' SQL: set-based transitions, candidate sets, effect claims, outbox rows in bulk.

Every transition is ``UPDATE … WHERE state = <source> … RETURNING``: a row moves once, and a second
sweep running at the same time waits on the row lock, re-reads the state and skips it. Every message
is written only for keys this transaction claimed first in ``applied_effects``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic_core import to_json
from sqlalchemy import (
    String,
    Table,
    Text,
    Uuid,
    and_,
    bindparam,
    column,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import note_events
from libs.common.fiscal_year import TOKYO
from libs.common.logging import current_request_id
from libs.common.outbox import add_messages as outbox_messages
from libs.common.outbox import insert_from
from libs.common.unit_of_work import note_outbox_messages
from services.review.audit.service import trail
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationAssignment,
    ContinuationCycle,
    CycleProject,
    GracePeriod,
)
from services.review.continuation.states import (
    APPLICATION,
    ASSESSMENT,
    ContinuationApplicationState,
    EligibleProjectState,
    Event,
)
from services.review.models import applied_effects, outbox
from services.review.reviewers.models import Reviewer

Cycle, Entry, Application = ContinuationCycle, CycleProject, ContinuationApplication


async def start_reviews(
    session: AsyncSession,
    *,
    source: ContinuationApplicationState,
    target: ContinuationApplicationState,
    as_of: datetime,
) -> list[uuid.UUID]:
    """Submitted applications of cycles whose deadline has passed go under review."""
    result = await session.execute(
        update(Application)
        .where(
            Application.state == source,
            Application.cycle_id.in_(select(Cycle.id).where(Cycle.deadline <= as_of)),
        )
        .values(state=target, version=Application.version + 1, updated_at=func.now())
        .returning(Application.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def mark_not_submitted(
    session: AsyncSession,
    *,
    source: EligibleProjectState,
    target: EligibleProjectState,
    as_of: datetime,
) -> list[Any]:
    """Eligible projects past the deadline, with no grace period still open, did not submit."""
    open_grace = exists().where(
        GracePeriod.cycle_id == Entry.cycle_id,
        GracePeriod.project_id == Entry.project_id,
        GracePeriod.until > as_of,
    )
    result = await session.execute(
        update(Entry)
        .where(
            Entry.state == source,
            Entry.cycle_id.in_(select(Cycle.id).where(Cycle.deadline <= as_of)),
            ~open_grace,
        )
        .values(state=target, version=Entry.version + 1, updated_at=func.now())
        .returning(Entry.cycle_id, Entry.project_id)
        .execution_options(synchronize_session=False)
    )
    return list(result.all())


async def end_terms(
    session: AsyncSession,
    *,
    source: EligibleProjectState,
    target: EligibleProjectState,
    as_of: datetime,
    actor: str,
    job: TermEndJob,
) -> int:
    """Every project in ``source`` whose term is over (``term_end`` before the day of ``as_of``)
    ends, in one statement that also writes the audit event of each and the registry's jobs
    (``job.per_message`` projects of a cycle per outbox message): no project comes back to
    Python, so memory stays flat however large the cohort, and the rows are written once. A second
    sweep at the same time waits on the first one's row locks, re-reads the state and passes over
    what the first ended. Returns how many ended."""
    ended = (
        update(Entry)
        .where(Entry.state == source, Entry.term_end < as_of.astimezone(TOKYO).date())
        .values(state=target, version=Entry.version + 1, updated_at=func.now())
        .returning(Entry.cycle_id, Entry.project_id, Entry.term_end)
        .cte("ended")
    )
    events = (
        insert(trail.table)
        .from_select(
            ["actor", "action", "subject_type", "subject_id", "before", "after", "request_id"],
            select(
                literal(actor),
                literal("continuation_project.ended"),
                literal("continuation_project"),
                func.concat(ended.c.cycle_id, ":", ended.c.project_id),
                func.jsonb_build_object("state", source.value),
                func.jsonb_build_object(
                    "state", target.value, "as_of", as_of.isoformat(), "term_end", ended.c.term_end
                ),
                literal(current_request_id(), String),
            ),
        )
        .cte("events")
    )
    messages = insert_from(
        outbox, queue=job.queue, function=job.function, payloads=_term_end_payloads(ended, job)
    ).cte("messages")
    count = select(func.count()).select_from(ended).scalar_subquery()
    query = select(messages.c.id, count).add_cte(events)
    rows = (await session.execute(query)).all()
    note_outbox_messages(session, [r[0] for r in rows])
    return int(rows[0][1]) if rows else 0


@dataclass(frozen=True)
class TermEndJob:
    """The registry job that carries term ends: its queue, function, reason and batch size."""

    queue: str
    function: str
    reason: str
    per_message: int


def _term_end_payloads(ended: Any, job: TermEndJob) -> Any:
    """One payload per cycle and ``job.per_message`` of its projects, in project order; the
    decision ids follow from the cycle and project (``term-end:<cycle>:<project>``), which keeps
    a full message small."""
    numbered = select(
        ended.c.cycle_id,
        ended.c.project_id,
        ended.c.term_end,
        (
            (func.row_number().over(partition_by=ended.c.cycle_id, order_by=ended.c.project_id) - 1)
            // job.per_message
        ).label("chunk"),
    ).subquery("numbered")
    project = func.jsonb_build_object(
        "project_id", numbered.c.project_id, "effective_on", numbered.c.term_end
    )
    return select(
        func.jsonb_build_object(
            "cycle_id",
            numbered.c.cycle_id,
            "reason",
            job.reason,
            "projects",
            func.jsonb_agg(aggregate_order_by(project, numbered.c.project_id)),
        )
    ).group_by(numbered.c.cycle_id, numbered.c.chunk)


def _registry_results_query() -> Any:
    entries = cast(Table, Entry.__table__)
    rows = (
        func.jsonb_to_recordset(sql_cast(bindparam("results", type_=Text), JSONB))
        .table_valued(column("cycle_id", Uuid), column("project_id", Uuid), column("result", JSONB))
        .render_derived("rows", with_types=True)
    )
    answers = select(rows).cte("answers")
    stored = (
        update(entries)
        .where(
            entries.c.cycle_id == answers.c.cycle_id,
            entries.c.project_id == answers.c.project_id,
        )
        .values(
            registry_result=answers.c.result, version=entries.c.version + 1, updated_at=func.now()
        )
        .returning(entries.c.cycle_id)
        .cte("stored")
    )
    # One event per answer: the registry's term before and after, as it answered.
    result = answers.c.result
    events = trail.insert_from(
        answers,
        action="continuation_project.term_end_applied",
        subject_type="continuation_project",
        subject_id=func.concat(answers.c.cycle_id, ":", answers.c.project_id),
        before=func.jsonb_build_object(
            "registry_status", "supported", "term_end", result["previous_term_end"]
        ),
        after=func.jsonb_build_object(
            "registry_status", result["status"], "ended_on", result["ended_on"]
        ),
    )
    return select(func.count()).select_from(stored).add_cte(events.cte("events"))


_REGISTRY_RESULTS = _registry_results_query()  # built once: the same statement every job


async def store_registry_results(
    session: AsyncSession, results: Sequence[tuple[str, str, dict[str, Any]]], *, actor: str
) -> None:
    """The registry's answers to term ends (cycle, project, its ``TermChangeOut``) onto their
    (cycle, project) rows, and the audit event of each, in one statement (one JSON parameter):
    not a statement execution per row and a second statement for the events."""
    if not results:
        return
    answers = [{"cycle_id": c, "project_id": p, "result": r} for c, p, r in results]
    # Serialised once by pydantic_core (the JSON type's bind would run json.dumps over it).
    params = {"results": to_json(answers).decode(), **trail.event_params(actor)}
    await session.execute(_REGISTRY_RESULTS, params)
    note_events(session, len(answers))


async def reminder_candidates(
    session: AsyncSession, *, as_of: datetime, longest: timedelta
) -> list[Any]:
    """Projects still eligible (no submission) of cycles whose deadline is ahead, within reach."""
    query = (
        select(Entry.cycle_id, Entry.project_id, Entry.snapshot, Cycle.deadline, Cycle.fiscal_year)
        .join(Cycle, Cycle.id == Entry.cycle_id)
        .where(
            Entry.state == EligibleProjectState.eligible,
            Cycle.deadline > as_of,
            Cycle.deadline - longest <= as_of,
        )
        .order_by(Entry.cycle_id, Entry.project_id)
    )
    return list((await session.execute(query)).all())


async def overdue_candidates(
    session: AsyncSession, *, as_of: datetime, within: timedelta
) -> list[Any]:
    """Projects that became 未申請 at a deadline passed less than ``within`` ago, still supported
    and with no grace period open (a project given one has heard from the office already)."""
    open_grace = exists().where(
        GracePeriod.cycle_id == Entry.cycle_id,
        GracePeriod.project_id == Entry.project_id,
        GracePeriod.until > as_of,
    )
    query = (
        select(Entry.cycle_id, Entry.project_id, Entry.snapshot, Cycle.deadline, Cycle.fiscal_year)
        .join(Cycle, Cycle.id == Entry.cycle_id)
        .where(
            Entry.state == EligibleProjectState.not_submitted,
            Cycle.deadline <= as_of,
            Cycle.deadline + within > as_of,
            Entry.term_end >= as_of.astimezone(TOKYO).date(),
            ~open_grace,
        )
        .order_by(Entry.cycle_id, Entry.project_id)
    )
    return list((await session.execute(query)).all())


def _open_assessments() -> Any:
    return (
        select(
            ContinuationAssignment.id,
            ContinuationAssignment.application_id,
            Reviewer.subject,
            Reviewer.name,
            Reviewer.email,
            Entry.snapshot,
            Cycle.review_due,
        )
        .join(Application, Application.id == ContinuationAssignment.application_id)
        .join(Reviewer, Reviewer.subject == ContinuationAssignment.reviewer_subject)
        .join(
            Entry,
            and_(
                Entry.cycle_id == Application.cycle_id, Entry.project_id == Application.project_id
            ),
        )
        .join(Cycle, Cycle.id == Application.cycle_id)
        .where(
            # Assessments their reviewer may still work on, of applications still assessed.
            ContinuationAssignment.state.in_(ASSESSMENT.sources(Event.save_assessment)),
            Application.state.in_(APPLICATION.sources(Event.assess)),
        )
        .order_by(ContinuationAssignment.id)
    )


async def assessments_due(
    session: AsyncSession, *, as_of: datetime, longest: timedelta
) -> list[Any]:
    """Unsubmitted assessments whose review due date is ahead, within reach."""
    query = _open_assessments().where(Cycle.review_due > as_of, Cycle.review_due - longest <= as_of)
    return list((await session.execute(query)).all())


async def assessments_overdue(session: AsyncSession, *, as_of: datetime) -> list[Any]:
    query = _open_assessments().where(Cycle.review_due <= as_of)
    return list((await session.execute(query)).all())


async def claim(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """The keys this transaction is first to claim. Sorted, so concurrent sweeps lock keys in the
    same order (no deadlock); a key held by an uncommitted sweep waits for it, then is skipped.

    The keys travel as one array parameter: a VALUES row per key would need a bind parameter
    each, and asyncpg refuses more than 32,767 (a sweep ending 100,000 terms has as many keys)."""
    if not keys:
        return set()
    sorted_keys = bindparam("keys", sorted(set(keys)), type_=ARRAY(String))
    wanted = (
        func.unnest(sorted_keys).table_valued("key", with_ordinality="ordinal").render_derived()
    )
    result = await session.execute(
        pg_insert(applied_effects)
        .from_select(["key"], select(wanted.c.key).order_by(wanted.c.ordinal))
        .on_conflict_do_nothing()
        .returning(applied_effects.c.key)
    )
    return set(result.scalars().all())


async def add_messages(
    session: AsyncSession, messages: Sequence[tuple[str, str, dict[str, Any]]]
) -> list[uuid.UUID]:
    """Outbox rows (queue, function, payload) in one INSERT; published after the commit."""
    return await outbox_messages(session, outbox, messages)
