"""All SQL of projects, their term changes and activity reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from libs.common.documents import json_rows
from libs.common.driver_reads import CompiledRead, Reads
from libs.common.fiscal_year import today_tokyo
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import Programme
from services.registry.projects.models import (
    ActivityReport,
    Project,
    ProjectInitiative,
    ProjectProposer,
    TermChange,
)
from services.registry.projects.schemas import StatusAsOf
from services.registry.projects.states import ProjectStatus

_LOADED = (
    selectinload(Project.proposers).selectinload(ProjectProposer.local_government),
    selectinload(Project.initiatives),
)


@dataclass(frozen=True)
class ProjectFilters:
    """List filters, already parsed; ``None`` means "any"."""

    fiscal_year: int | None = None
    supported_as_of: date | None = None
    technology: str | None = None
    prefecture_code: str | None = None
    programme_id: str | None = None
    status: StatusAsOf | None = None
    search_key: str | None = None
    proposer_lg_code: str | None = None
    # The day ``status`` is judged on (the list's ``as_of``): the filter and ``status_as_of``
    # answer the same on every day.
    as_of: date | None = None


def supported_on(day: date) -> ColumnElement[bool]:
    """Supported on ``day``: inside the term, not ended before it, not withdrawn."""
    return and_(
        Project.term_start <= day,
        Project.term_end >= day,
        or_(Project.ended_on.is_(None), Project.ended_on >= day),
        Project.status != ProjectStatus.withdrawn,
    )


def status_on(status: StatusAsOf, day: date) -> ColumnElement[bool]:
    """Projects whose status on ``day`` is ``status``: ``service.status_as_of`` in SQL, one
    predicate per answer (each can use the indexes on status and term_end)."""
    if status == "withdrawn":
        return Project.status == ProjectStatus.withdrawn
    if status == "not_started":
        return and_(Project.status != ProjectStatus.withdrawn, Project.term_start > day)
    started = and_(Project.status != ProjectStatus.withdrawn, Project.term_start <= day)
    if status == "ended":
        return and_(started, or_(Project.term_end < day, Project.ended_on < day))
    extended = and_(Project.extended_on.is_not(None), Project.extended_on <= day)
    return and_(
        started,
        Project.term_end >= day,
        or_(Project.ended_on.is_(None), Project.ended_on >= day),
        extended if status == "extended" else not_(extended),
    )


def _has_proposer(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(ProjectProposer.project_id == Project.id, *conditions)


def _filtered(filters: ProjectFilters, query: Select[Any] | None = None) -> Select[Any]:
    """``query`` (by default the whole ``Project``) narrowed to the filters."""
    query = select(Project) if query is None else query
    if filters.fiscal_year is not None:
        query = query.where(Project.selection_fiscal_year == filters.fiscal_year)
    if filters.supported_as_of is not None:
        query = query.where(supported_on(filters.supported_as_of))
    if filters.technology is not None:
        query = query.where(Project.technologies.contains([filters.technology]))
    if filters.programme_id is not None:
        query = query.where(Project.programme_id == filters.programme_id)
    if filters.status is not None:
        query = query.where(status_on(filters.status, filters.as_of or today_tokyo()))
    if filters.search_key:
        query = query.where(Project.search_key.contains(filters.search_key, autoescape=True))
    if filters.proposer_lg_code is not None:
        query = query.where(_has_proposer(ProjectProposer.lg_code == filters.proposer_lg_code))
    if filters.prefecture_code is not None:
        query = query.where(
            _has_proposer(
                LocalGovernment.code == ProjectProposer.lg_code,
                LocalGovernment.prefecture_code == filters.prefecture_code,
            )
        )
    return query


def _in_list_order(
    query: Select[Any], after: Sequence[Any] | None, limit: int | None
) -> Select[Any]:
    """Ordered by (selection fiscal year, title, id); ``after`` is the last row's sort key."""
    query = query.order_by(Project.selection_fiscal_year, Project.title, Project.id)
    if after is not None:
        fy, title, project_id = after
        query = query.where(
            tuple_(Project.selection_fiscal_year, Project.title, Project.id)
            > tuple_(int(fy), str(title), uuid.UUID(str(project_id)))
        )
    return query if limit is None else query.limit(limit)


async def list_projects(
    session: AsyncSession,
    filters: ProjectFilters,
    *,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> list[Project]:
    query = _in_list_order(_filtered(filters).options(*_LOADED), after, limit)
    return list((await session.scalars(query)).all())


# Reads answer from one statement: the related rows come aggregated as JSON in the shape of the
# response, instead of ORM objects loaded by three more round trips (selectinload).
_PROPOSERS_JSON = (
    select(
        json_rows(
            {
                "lg_code": ProjectProposer.lg_code,
                "name": LocalGovernment.name,
                "prefecture": LocalGovernment.prefecture,
                "is_lead": ProjectProposer.is_lead,
            },
            ProjectProposer.position,
        )
    )
    .join_from(ProjectProposer, LocalGovernment, LocalGovernment.code == ProjectProposer.lg_code)
    .where(ProjectProposer.project_id == Project.id)
    .scalar_subquery()
)
_INITIATIVES_JSON = (
    select(
        json_rows(
            {"title": ProjectInitiative.title, "description": ProjectInitiative.description},
            ProjectInitiative.position,
        )
    )
    .where(ProjectInitiative.project_id == Project.id)
    .scalar_subquery()
)
READ_COLUMNS = (
    Project.id,
    Project.programme_id,
    Project.title,
    Project.technologies,
    Project.tags,
    Project.selection_fiscal_year,
    Project.term_start,
    Project.term_end,
    Project.extensions,
    Project.extended_on,
    Project.status,
    Project.ended_on,
    Project.end_reason,
    Project.future_vision,
    Project.regional_issues,
    Project.summary,
    Project.version,
    Project.created_at,
    Project.updated_at,
    _PROPOSERS_JSON.label("proposers"),
    _INITIATIVES_JSON.label("initiatives"),
)
"""A project as the API reads it; ``proposers`` and ``initiatives`` are lists of dicts. Read
through the session's connection: plain rows need none of the ORM's result handling."""


async def read_rows(
    session: AsyncSession,
    filters: ProjectFilters,
    *,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Sequence[Row[Any]]:
    """A page of ``READ_COLUMNS`` rows in list order."""
    query = _in_list_order(_filtered(filters, select(*READ_COLUMNS)), after, limit)
    return (await (await session.connection()).execute(query)).all()


_READ_ONE = CompiledRead(select(*READ_COLUMNS).where(Project.id == bindparam("project_id")))


async def read_row(reads: Reads, project_id: uuid.UUID) -> Any | None:
    """A ``READ_COLUMNS`` row, or ``None``."""
    return await _READ_ONE.first(reads, {"project_id": project_id})


async def get(
    session: AsyncSession, project_id: uuid.UUID, *, lock: bool = False
) -> Project | None:
    """One project with proposers and initiatives; ``lock`` takes the row FOR UPDATE first."""
    query = select(Project).where(Project.id == project_id).options(*_LOADED)
    if lock:
        # Serialises concurrent term changes; populate_existing refreshes a cached copy.
        query = query.with_for_update(of=Project).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def find_by_title(session: AsyncSession, fiscal_year: int, title: str) -> Project | None:
    query = select(Project).where(
        Project.selection_fiscal_year == fiscal_year, Project.title == title
    )
    return (await session.scalars(query.options(*_LOADED))).first()


async def existing_titles(
    session: AsyncSession, keys: Iterable[tuple[int, str]]
) -> set[tuple[int, str]]:
    wanted = list(keys)
    if not wanted:
        return set()
    rows = await session.execute(
        select(Project.selection_fiscal_year, Project.title).where(
            tuple_(Project.selection_fiscal_year, Project.title).in_(wanted)
        )
    )
    return {(fy, title) for fy, title in rows.all()}


async def add(session: AsyncSession, project: Project) -> None:
    session.add(project)
    await session.flush()


async def count_supported_by_cohort(session: AsyncSession, day: date) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(Project.selection_fiscal_year, func.count())
        .where(supported_on(day))
        .group_by(Project.selection_fiscal_year)
        .order_by(Project.selection_fiscal_year)
    )
    return [(fy, count) for fy, count in rows.all()]


async def local_governments(
    session: AsyncSession, codes: Iterable[str]
) -> dict[str, LocalGovernment]:
    wanted = set(codes)
    if not wanted:
        return {}
    rows = await session.scalars(select(LocalGovernment).where(LocalGovernment.code.in_(wanted)))
    return {lg.code: lg for lg in rows}


async def local_governments_named(
    session: AsyncSession, names: Iterable[str]
) -> list[LocalGovernment]:
    wanted = set(names)
    if not wanted:
        return []
    query = select(LocalGovernment).where(LocalGovernment.name.in_(wanted))
    return list((await session.scalars(query.order_by(LocalGovernment.code))).all())


async def programme(session: AsyncSession, key: str) -> Programme | None:
    """A programme by id or by its mark (☆ □ ○ ● ■)."""
    query = select(Programme).where(or_(Programme.id == key, Programme.mark == key))
    return (await session.scalars(query)).first()


async def term_change(session: AsyncSession, decision_id: str) -> TermChange | None:
    return await session.get(TermChange, decision_id)


async def term_changes(session: AsyncSession, decision_ids: Sequence[str]) -> dict[str, TermChange]:
    query = select(TermChange).where(
        TermChange.decision_id == any_(_array("decision_ids", decision_ids, String))
    )
    return {c.decision_id: c for c in await session.scalars(query)}


async def lock_projects(
    session: AsyncSession, project_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Project]:
    """The projects of a batch, locked in id order so that two batches never deadlock."""
    query = (
        select(Project)
        .where(Project.id == any_(_array("project_ids", project_ids, Uuid)))
        .order_by(Project.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {p.id: p for p in await session.scalars(query)}


def _array(name: str, values: Sequence[Any], item_type: Any) -> Any:
    """One array parameter however long the batch (asyncpg binds at most 32,767 parameters)."""
    return bindparam(name, list(values), type_=ARRAY(item_type))


async def add_term_changes(session: AsyncSession, changes: Sequence[TermChange]) -> None:
    session.add_all(changes)
    await session.flush()


async def activity_report(
    session: AsyncSession, project_id: uuid.UUID, fiscal_year: int
) -> ActivityReport | None:
    return await session.get(ActivityReport, (project_id, fiscal_year))


async def activity_reports(session: AsyncSession, project_id: uuid.UUID) -> list[ActivityReport]:
    query = (
        select(ActivityReport)
        .where(ActivityReport.project_id == project_id)
        .order_by(ActivityReport.fiscal_year)
    )
    return list((await session.scalars(query)).all())


async def add_activity_report(session: AsyncSession, report: ActivityReport) -> None:
    session.add(report)
    await session.flush()
