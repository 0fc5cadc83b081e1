"""Project rules: proposers and their lead, derived support terms, status on a date, access,
search."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.fiscal_year import (
    fiscal_year_label,
    now_tokyo,
    support_term_end,
    support_term_start,
    today_tokyo,
)
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code
from libs.common.search_text import normalise_search_key
from services.registry.audit.service import audited
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes import service as programmes
from services.registry.projects import repository
from services.registry.projects.models import Project, ProjectInitiative, ProjectProposer
from services.registry.projects.schemas import (
    SUMMARY_SECTIONS,
    Initiative,
    ProjectCreate,
    ProjectOut,
    ProjectUpdate,
    ProposerIn,
    ProposerOut,
    StatusAsOf,
    Technology,
)
from services.registry.projects.states import PROJECT, ProjectEvent, ProjectStatus, initial_status

FUTURE_TECH_MARK = "☆"
"""内閣府 未来技術社会実装事業 — the programme a project belongs to when none is named."""

ONE_DAY = timedelta(days=1)
READERS = (Role.operator, Role.municipality, Role.partner, Role.reviewer, Role.service)


def project_etag(project: Project | Row[Any]) -> str:
    return etag_for("project", project.id, project.version)


class SupportTerm(Protocol):
    """What a status on a date depends on: a ``Project`` or a row of the lean read path."""

    @property
    def status(self) -> str: ...
    @property
    def term_start(self) -> date: ...
    @property
    def term_end(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def extended_on(self) -> date | None: ...


def status_as_of(project: SupportTerm, day: date) -> StatusAsOf:
    """The project's status on ``day``: its term and any end decide, withdrawal overrides, and
    ``extended`` from the day extended support began. ``repository.status_on`` is the same rule
    in SQL (the ``?status=`` filter): change both or neither."""
    if project.status == ProjectStatus.withdrawn:
        return "withdrawn"
    if day < project.term_start:
        return "not_started"
    if day > project.term_end or (project.ended_on is not None and day > project.ended_on):
        return "ended"
    if project.extended_on is not None and day >= project.extended_on:
        return "extended"
    return "supported"


def display_name(lg: LocalGovernment) -> str:
    """埼玉県秩父市 for a municipality, 静岡県 for a prefecture."""
    return lg.name if lg.name == lg.prefecture else f"{lg.prefecture}{lg.name}"


def search_key_for(title: str, proposers: Sequence[LocalGovernment]) -> str:
    # The separator survives normalisation, so no match spans the title and a name.
    parts = [title, *(f"{display_name(lg)}{lg.kana}" for lg in proposers)]
    return normalise_search_key("|".join(parts))


def to_out(project: Project, as_of: date | None = None) -> ProjectOut:
    day = as_of or today_tokyo()
    return ProjectOut(
        id=project.id,
        programme_id=project.programme_id,
        title=project.title,
        proposers=[
            ProposerOut(
                lg_code=p.lg_code,
                name=p.local_government.name,
                prefecture=p.local_government.prefecture,
                is_lead=p.is_lead,
            )
            for p in project.proposers
        ],
        technologies=[Technology(t) for t in project.technologies],
        tags=project.tags,
        selection_fiscal_year=project.selection_fiscal_year,
        selection_fiscal_year_label=fiscal_year_label(project.selection_fiscal_year),
        term_start=project.term_start,
        term_end=project.term_end,
        extensions=project.extensions,
        extended_on=project.extended_on,
        status=ProjectStatus(project.status),
        ended_on=project.ended_on,
        end_reason=project.end_reason,
        as_of=day,
        status_as_of=status_as_of(project, day),
        future_vision=project.future_vision,
        regional_issues=project.regional_issues,
        summary=project.summary,
        initiatives=[
            Initiative(title=i.title, description=i.description) for i in project.initiatives
        ],
        version=project.version,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def snapshot(project: Project) -> dict[str, Any]:
    """What the audit trail keeps of a project before and after a change."""
    return to_out(project).model_dump(mode="json", exclude={"as_of", "status_as_of"})


def may_see(principal: Principal, project: Project) -> bool:
    # Only a municipality's check needs the proposers: other callers may not have loaded them.
    if principal.role is not Role.municipality:
        return True
    return sees_proposers(principal, [p.lg_code for p in project.proposers])


def sees_proposers(principal: Principal, lg_codes: Iterable[str]) -> bool:
    """A municipality sees only the projects it proposes; every other reader sees all."""
    return principal.role is not Role.municipality or any(c == principal.lg_code for c in lg_codes)


def not_found(project_id: uuid.UUID) -> NotFound:
    return NotFound(f"事業が見つかりません: {project_id}（no project with this id）")


def check_visible(principal: Principal, lg_codes: Iterable[str]) -> None:
    """403 for a municipality that is not among the proposers (``lg_codes``)."""
    if not sees_proposers(principal, lg_codes):
        raise Forbidden(
            "この事業の提案団体ではありません（only the project's proposers may do this）"
        )


async def load(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, *, lock: bool = False
) -> Project:
    """The project, or 404; a municipality that is not a proposer gets 403."""
    project = await repository.get(session, project_id, lock=lock)
    if project is None:
        raise not_found(project_id)
    check_visible(principal, [p.lg_code for p in project.proposers])
    return project


async def find_project(session: AsyncSession, *, fiscal_year: int, title: str) -> Project | None:
    """The project of this selection year and title (the seed's key), if stored."""
    return await repository.find_by_title(session, fiscal_year, title)


async def resolve_programme(session: AsyncSession, key: str | None, field: str) -> str:
    """By id or mark, ☆ when none is named (rule ``unknown`` as the contract documents it)."""
    return await programmes.resolve_reference(
        session, key or FUTURE_TECH_MARK, field, rule="unknown"
    )


def _proposer_problems(proposers: Sequence[ProposerIn]) -> tuple[list[str], list[FieldProblem]]:
    codes: list[str] = []
    problems: list[FieldProblem] = []
    for i, proposer in enumerate(proposers):
        field = f"body.proposers[{i}].lg_code"
        try:
            code = validate_lg_code(proposer.lg_code)
        except LocalGovernmentCodeError as err:
            problems.append(FieldProblem(field=field, rule=err.rule, message=err.message))
            code = proposer.lg_code
        if code in codes:
            problems.append(
                FieldProblem(
                    field=field, rule="duplicate", message=f"提案者が重複しています: {code}"
                )
            )
        codes.append(code)
    leads = sum(p.is_lead for p in proposers)
    if len(proposers) > 1 and leads != 1:
        problems.append(
            FieldProblem(
                field="body.proposers",
                rule="one_lead",
                message=f"代表提案者はちょうど1団体です（exactly one is_lead, got {leads}）",
            )
        )
    return codes, problems


async def resolve_proposers(
    session: AsyncSession, proposers: Sequence[ProposerIn]
) -> list[tuple[LocalGovernment, bool]]:
    """Each proposer's local government and lead flag, lead first; every problem in one 422."""
    codes, problems = _proposer_problems(proposers)
    found = await repository.local_governments(session, codes)
    for i, code in enumerate(codes):
        if code not in found and not any(
            p.field.startswith(f"body.proposers[{i}]") for p in problems
        ):
            problems.append(
                FieldProblem(
                    field=f"body.proposers[{i}].lg_code",
                    rule="unknown",
                    message=f"地方公共団体が登録されていません: {code}（unknown local government）",
                )
            )
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)
    sole = len(proposers) == 1
    pairs = [(found[code], sole or p.is_lead) for code, p in zip(codes, proposers, strict=True)]
    return sorted(pairs, key=lambda pair: not pair[1])


def _set_proposers(project: Project, resolved: Sequence[tuple[LocalGovernment, bool]]) -> None:
    # Rows of proposers that stay are updated in place: their primary key is (project, code).
    current = {p.lg_code: p for p in project.proposers}
    rows: list[ProjectProposer] = []
    for position, (lg, is_lead) in enumerate(resolved):
        row = current.get(lg.code) or ProjectProposer(lg_code=lg.code, local_government=lg)
        row.is_lead, row.position = is_lead, position
        rows.append(row)
    project.proposers = rows


def _initiatives(items: Sequence[Initiative]) -> list[ProjectInitiative]:
    return [
        ProjectInitiative(title=i.title, description=i.description, position=n)
        for n, i in enumerate(items)
    ]


async def create_project(
    session: AsyncSession, *, actor: Principal, data: ProjectCreate, extensions: int = 0
) -> Project:
    """Create with the derived term; ``extensions`` > 0 only for imports of older records."""
    programme_id = await resolve_programme(session, data.programme, "body.programme")
    resolved = await resolve_proposers(session, data.proposers)
    now = now_tokyo()
    fy = data.selection_fiscal_year
    project = Project(
        id=uuid.uuid4(),
        programme_id=programme_id,
        title=data.title,
        selection_fiscal_year=fy,
        term_start=support_term_start(fy),
        term_end=support_term_end(fy, extensions),
        extensions=extensions,
        # An imported record's continuations were decided before it came: by today at the
        # latest, and at the latest the day after the term they extended.
        extended_on=min(now.date(), support_term_end(fy) + ONE_DAY) if extensions else None,
        status=initial_status(extensions),
        ended_on=None,
        end_reason=None,
        technologies=[str(t) for t in dict.fromkeys(data.technologies)],
        tags=list(dict.fromkeys(data.tags)),
        future_vision=data.future_vision,
        regional_issues=data.regional_issues,
        summary=data.summary,
        search_key=search_key_for(data.title, [lg for lg, _ in resolved]),
        created_at=now,
        updated_at=now,
        proposers=[],
        initiatives=_initiatives(data.initiatives),
    )
    _set_proposers(project, resolved)
    async with audited(
        session,
        project,
        kind="created",
        actor=actor,
        action="project.created",
        subject_type="project",
        snapshot=snapshot,
    ):
        await repository.add(session, project)
    return project


def _checked_status(principal: Principal, project: Project, fields: set[str]) -> ProjectStatus:
    """The status after this change; a municipality may change the summary sections only, and a
    withdrawal or a new selection year must be allowed by the project's machine."""
    if principal.role is Role.municipality and fields - SUMMARY_SECTIONS:
        names = ", ".join(sorted(fields - SUMMARY_SECTIONS))
        raise Forbidden(
            f"地方公共団体は概要欄のみ変更できます: {names}"
            "（municipalities may change future_vision, regional_issues, summary, initiatives）"
        )
    status = project.status
    if "status" in fields:
        status = PROJECT.fire(status, ProjectEvent.withdraw)
    if "selection_fiscal_year" in fields:
        PROJECT.fire(project.status, ProjectEvent.change_selection_year)
    return status


async def _apply_update(
    session: AsyncSession, project: Project, data: ProjectUpdate, fields: set[str]
) -> None:
    if "programme" in fields:
        project.programme_id = await resolve_programme(session, data.programme, "body.programme")
    if data.proposers is not None:
        _set_proposers(project, await resolve_proposers(session, data.proposers))
    if data.selection_fiscal_year is not None:
        project.selection_fiscal_year = data.selection_fiscal_year
        project.term_start = support_term_start(data.selection_fiscal_year)
        project.term_end = support_term_end(data.selection_fiscal_year, project.extensions)
    if data.technologies is not None:
        project.technologies = [str(t) for t in dict.fromkeys(data.technologies)]
    if data.tags is not None:
        project.tags = list(dict.fromkeys(data.tags))
    if data.initiatives is not None:
        project.initiatives = _initiatives(data.initiatives)
    for name in ("title", "future_vision", "regional_issues", "summary"):
        if name in fields:
            setattr(project, name, getattr(data, name))
    project.search_key = search_key_for(
        project.title, [p.local_government for p in project.proposers]
    )


async def update_project(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    data: ProjectUpdate,
    if_match: str | None,
) -> Project:
    project = await load(session, principal, project_id)
    check_if_match(if_match, project_etag(project))
    fields = set(data.model_fields_set)
    status = _checked_status(principal, project, fields)
    # Always recorded and always a new version: a change to initiatives alone must move the ETag.
    async with audited(
        session,
        project,
        always=True,
        actor=principal,
        action="project.updated",
        subject_type="project",
        snapshot=snapshot,
    ):
        await _apply_update(session, project, data, fields)
        project.status = status
        project.updated_at = now_tokyo()
    return project
