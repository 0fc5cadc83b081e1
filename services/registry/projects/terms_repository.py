"""SQL of support terms over time: the term sweep's set-based expiry, a batch of term ends (its
projects read and locked in one statement, written in one), each project's last term change, and
what its term history is read from (term changes, and the audit trail's withdrawals and
selection-year corrections)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from pydantic_core import to_json
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Row,
    String,
    Table,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    column,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import note_events
from services.registry.audit.models import AuditEvent
from services.registry.audit.service import trail
from services.registry.projects.models import Project, ProjectProposer, TermChange
from services.registry.projects.states import ProjectStatus

_PROJECTS = cast(Table, Project.__table__)
_TERM_CHANGES = cast(Table, TermChange.__table__)
_PROPOSERS = cast(Table, ProjectProposer.__table__)


async def expire(
    session: AsyncSession,
    *,
    source: ProjectStatus,
    target: ProjectStatus,
    today: date,
    reason: str,
    now: datetime,
    limit: int,
) -> Sequence[Row[Any]]:
    """Up to ``limit`` projects in ``source`` whose term ended before ``today`` move to
    ``target``, their last supported day the term end; returns (id, term_end, extensions,
    extended_on) of each. The rows are locked first and the state re-checked by the UPDATE, so a
    second sweep, or a term change under way, waits and then passes over what is done."""
    t = _PROJECTS
    due = (
        select(t.c.id)
        .where(t.c.status == source, t.c.term_end < today)
        .limit(limit)
        .with_for_update()
        .scalar_subquery()
    )
    statement = (
        update(t)
        .where(t.c.id.in_(due), t.c.status == source)
        .values(
            status=target,
            ended_on=t.c.term_end,
            end_reason=reason,
            version=t.c.version + 1,
            updated_at=now,
        )
        .returning(t.c.id, t.c.term_end, t.c.extensions, t.c.extended_on)
    )
    return (await session.execute(statement)).all()


async def add_expiries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The sweep's term changes, one multi-row INSERT; an expiry recorded before stays as it is."""
    if rows:
        statement = insert(_TERM_CHANGES).on_conflict_do_nothing(index_elements=["decision_id"])
        await session.execute(statement, list(rows))


_LOCK_TERMS = (
    select(
        _PROJECTS.c.id,
        _PROJECTS.c.status,
        _PROJECTS.c.term_start,
        _PROJECTS.c.term_end,
        _PROJECTS.c.extensions,
        _PROJECTS.c.extended_on,
        _PROJECTS.c.ended_on,
        _PROJECTS.c.end_reason,
    )
    .where(_PROJECTS.c.id == any_(bindparam("project_ids", type_=ARRAY(Uuid))))
    .order_by(_PROJECTS.c.id)
    .with_for_update()
)


def _since_lock_query(with_proposers: bool) -> Any:
    t, changes = _PROJECTS, _TERM_CHANGES
    last_kind = (
        select(changes.c.kind)
        .where(changes.c.project_id == t.c.id)
        .order_by(changes.c.created_at.desc(), changes.c.decision_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Only a municipality's visibility needs the proposers (``service.sees_proposers``).
    lg_codes = (
        func.array(
            select(_PROPOSERS.c.lg_code).where(_PROPOSERS.c.project_id == t.c.id).scalar_subquery()
        )
        if with_proposers
        else literal(None, ARRAY(String))
    )
    return select(t.c.id, last_kind.label("last_kind"), lg_codes.label("lg_codes")).where(
        t.c.id == any_(bindparam("project_ids", type_=ARRAY(Uuid)))
    )


# Built once per shape: a batch's reads are the same statements every time.
_SINCE_LOCK = {proposers: _since_lock_query(proposers) for proposers in (False, True)}


async def lock_terms(
    session: AsyncSession, project_ids: Sequence[uuid.UUID], *, with_proposers: bool
) -> dict[uuid.UUID, dict[str, Any]]:
    """A batch's projects as plain values (no ORM objects: nothing is loaded to be flushed):
    their term (status, start, end, extensions, extended_on, ended_on, end_reason) as it is once
    their rows are locked, in id order (two batches never deadlock); then, by a statement whose
    snapshot is taken with the locks held, the kind of each one's last term change and, with
    ``with_proposers``, its proposers' codes. (A subquery of the locking statement would read
    them as they were before a batch it waited for committed.)"""
    params = {"project_ids": list(project_ids)}
    locked = await session.execute(_LOCK_TERMS, params)
    rows = {row.id: dict(row._mapping) for row in locked}
    if rows:
        for row in await session.execute(_SINCE_LOCK[with_proposers], params):
            rows[row.id].update(last_kind=row.last_kind, lg_codes=row.lg_codes)
    return rows


# One applied term end, as ``write_ends`` receives it (a JSON array of objects): the project's
# new term, the term-change row and the audit event's before and after.
_END_COLUMNS = (
    ("n", Integer),
    ("project_id", Uuid),
    ("decision_id", String),
    ("kind", String),
    ("status", String),
    ("term_end", Date),
    ("ended_on", Date),
    ("end_reason", Text),
    ("previous_term_end", Date),
    ("reason", Text),
    ("decided_on", Date),
    ("result", JSONB),
    ("before", JSONB),
    ("after", JSONB),
)


@cache  # built once per action: a batch's write is the same statement every time
def _write_ends_query(action: str) -> Any:
    t = _PROJECTS
    rows = (
        func.jsonb_to_recordset(sql_cast(bindparam("ends", type_=Text), JSONB))
        .table_valued(*(column(name, type_) for name, type_ in _END_COLUMNS))
        .render_derived("rows", with_types=True)
    )
    ends = select(rows).cte("ends")
    now = bindparam("now", type_=DateTime(timezone=True))
    # A project named twice is written once, with its last item's term (the state machine
    # refuses a second end anyway).
    final = (
        select(ends).distinct(ends.c.project_id).order_by(ends.c.project_id, ends.c.n.desc())
    ).subquery("final")
    ended = (
        update(t)
        .where(t.c.id == final.c.project_id)
        .values(
            status=final.c.status,
            term_end=final.c.term_end,
            ended_on=final.c.ended_on,
            end_reason=final.c.end_reason,
            updated_at=now,
            version=t.c.version + 1,
        )
        .returning(t.c.id)
        .cte("ended")
    )
    # The term-change row of each decision, its columns from the same-named fields (the new
    # term end is the project's).
    stored = {"new_term_end": ends.c.term_end, "created_at": now}
    change_columns = ["decision_id", "project_id", "kind", "previous_term_end", "new_term_end",
                      "reason", "decided_on", "result", "created_at"]  # fmt: skip
    changes = insert(_TERM_CHANGES).from_select(
        change_columns, select(*(stored[n] if n in stored else ends.c[n] for n in change_columns))
    )
    events = trail.insert_from(
        ends,
        action=action,
        subject_type="project",
        subject_id=ends.c.project_id,
        before=ends.c.before,
        after=ends.c.after,
    )
    return (
        select(func.count())
        .select_from(ended)
        .add_cte(changes.cte("changes"), events.cte("events"))
    )


async def write_ends(
    session: AsyncSession,
    ends: Sequence[dict[str, Any]],
    *,
    action: str,
    actor: str,
    now: datetime,
) -> None:
    """A batch's applied term ends (JSON-ready dicts of ``_END_COLUMNS``) in one statement: the
    projects' new terms (their rows locked by ``lock_terms``), a term-change row per decision
    and an audit event per change, all or nothing."""
    if not ends:
        return
    # Serialised once by pydantic_core (the JSON type's bind would run json.dumps over it).
    params = {"ends": to_json(list(ends)).decode(), "now": now, **trail.event_params(actor)}
    await session.execute(_write_ends_query(action), params)
    note_events(session, len(ends))


async def last_changes(
    session: AsyncSession, project_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TermChange]:
    """Each project's latest term change (none for a project never changed)."""
    if not project_ids:
        return {}
    ids = bindparam("project_ids", list(project_ids), type_=ARRAY(Uuid))
    query = (
        select(TermChange)
        .where(TermChange.project_id == any_(ids))
        .ext(distinct_on(TermChange.project_id))
        .order_by(
            TermChange.project_id, TermChange.created_at.desc(), TermChange.decision_id.desc()
        )
    )
    return {change.project_id: change for change in await session.scalars(query)}


async def changes_of(session: AsyncSession, project_id: uuid.UUID) -> list[TermChange]:
    """A project's term changes, oldest first."""
    query = (
        select(TermChange)
        .where(TermChange.project_id == project_id)
        .order_by(TermChange.created_at, TermChange.decision_id)
    )
    return list((await session.scalars(query)).all())


async def term_edits_of(session: AsyncSession, project_id: uuid.UUID) -> list[AuditEvent]:
    """The operator's edits that changed the term: a withdrawal or a new selection year."""
    after, before = AuditEvent.after, AuditEvent.before
    withdrawn = and_(
        after["status"].astext == ProjectStatus.withdrawn.value,
        before["status"].astext != ProjectStatus.withdrawn.value,
    )
    reselected = after["selection_fiscal_year"] != before["selection_fiscal_year"]
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "project",
            AuditEvent.subject_id == str(project_id),
            AuditEvent.action == "project.updated",
            or_(withdrawn, reselected),
        )
        .order_by(AuditEvent.id)
    )
    return list((await session.scalars(query)).all())
