"""SQL of support terms over time: the term sweep's set-based expiry, each project's last term
change, and what its term history is read from (term changes, and the audit trail's
withdrawals and selection-year corrections)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, Table, Uuid, and_, any_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.audit.models import AuditEvent
from services.registry.projects.models import Project, TermChange
from services.registry.projects.states import ProjectStatus

_PROJECTS = cast(Table, Project.__table__)
_TERM_CHANGES = cast(Table, TermChange.__table__)


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


async def store_ends(session: AsyncSession, projects: Sequence[Project]) -> None:
    """A batch's ended projects, their rows locked, written by one executemany statement: the
    unit of work's flush would write each by a statement of its own (a round trip each, to check
    its version). They leave the session first, so nothing flushes them a second time."""
    if not projects:
        return
    for project in projects:
        session.expunge(project)
    t = _PROJECTS
    statement = (
        update(t)
        .where(t.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            term_end=bindparam("b_term_end"),
            ended_on=bindparam("b_ended_on"),
            end_reason=bindparam("b_end_reason"),
            updated_at=bindparam("b_updated_at"),
            version=t.c.version + 1,
        )
    )
    rows = [
        {
            "b_id": p.id,
            "b_status": p.status,
            "b_term_end": p.term_end,
            "b_ended_on": p.ended_on,
            "b_end_reason": p.end_reason,
            "b_updated_at": p.updated_at,
        }
        for p in projects
    ]
    await session.execute(statement, rows)


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
