"""Cycles: open a review round for a cohort, take its eligible projects from the registry, grant
grace periods. Plain async functions; the request's unit of work commits."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.closed_days import deadline_on_open_day
from libs.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from libs.common.fiscal_year import TOKYO, fiscal_year_end, fiscal_year_label, fiscal_year_start
from services.review.audit.service import audited, record_many, state_of
from services.review.continuation.cycles import repository
from services.review.continuation.cycles.schemas import (
    CycleCreate,
    CycleOut,
    CycleProjectOut,
    GracePeriodCreate,
    cycle_out,
    cycle_project_out,
)
from services.review.continuation.models import ContinuationCycle, CycleProject, GracePeriod
from services.review.continuation.notices import tokyo_iso
from services.review.continuation.repository import add
from services.review.continuation.states import ELIGIBLE_PROJECT, EligibleProjectState, Event
from services.review.registry_client import JSON, RegistryClient

DATE_FIELDS = ("opens_at", "deadline", "review_due", "decision_due")


def cycle_etag(cycle: ContinuationCycle) -> str:
    return f'"continuation-cycle-{cycle.id}-v{cycle.version}"'


def subject_of(cycle_id: object, project_id: object) -> str:
    """Audit subject id of an eligible project in a cycle."""
    return f"{cycle_id}:{project_id}"


async def load(session: AsyncSession, cycle_id: uuid.UUID) -> ContinuationCycle:
    cycle = await repository.cycle(session, cycle_id)
    if cycle is None:
        raise NotFound(
            f"継続審査が見つかりません: {cycle_id}（no continuation cycle with this id）"
        )
    return cycle


def _check_order(dates: dict[str, datetime], term_end: date) -> None:
    """Each date after the one before; the decision before the cohort's term ends."""
    problems = [
        FieldProblem(
            field=f"body.{later}",
            rule="date_order",
            message=f"{later} は {earlier} より後にしてください（{later} must follow {earlier}）",
        )
        for earlier, later in itertools.pairwise(DATE_FIELDS)
        if dates[later] < dates[earlier] or (later == "deadline" and dates[later] == dates[earlier])
    ]
    if dates["decision_due"].astimezone(TOKYO).date() > term_end:
        problems.append(
            FieldProblem(
                field="body.decision_due",
                rule="decision_after_term_end",
                message=f"決定期限は支援期間の終了日（{term_end}）までです"
                f"（a decision after {term_end} could not extend the term）",
            )
        )
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), errors=problems)


async def eligible_projects(registry: RegistryClient, fiscal_year: int, today: date) -> list[JSON]:
    """☆ projects supported (not extended, ended or withdrawn) on ``today`` and since the start
    of ``fiscal_year``, whose term ends within it: the registry judges ``status`` on ``as_of``."""
    start, end = fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year)
    found = []
    async for project in registry.projects(
        status="supported",
        as_of=today.isoformat(),
        supported_as_of=start.isoformat(),
        programme="☆",
    ):
        if start <= date.fromisoformat(project["term_end"]) <= end:
            found.append(project)
    return found


async def snapshot_of(registry: RegistryClient, project: JSON, now: datetime) -> dict[str, Any]:
    """What the review keeps of a project: enough to check conflicts and write to its people."""
    council = await registry.council(project["id"])
    contacts = await registry.contacts(project["id"])
    members = (council or {}).get("members", [])
    return {
        "title": project["title"],
        "programme_id": project.get("programme_id"),
        "selection_fiscal_year": project["selection_fiscal_year"],
        "term_end": project["term_end"],
        "proposers": [
            {k: p[k] for k in ("lg_code", "name", "prefecture", "is_lead")}
            for p in project["proposers"]
        ],
        "council": None
        if council is None
        else {
            "name": council["name"],
            "members": [
                {
                    k: m.get(k)
                    for k in ("organisation", "organisation_key", "category", "role", "lg_code")
                }
                for m in members
            ],
        },
        # Suppressed addresses (bounced, unsubscribed) are left out when the cycle opens.
        "contacts": [
            {"contact_id": c["id"], "name": c["name"], "email": c["email"]}
            for c in contacts
            if not c.get("suppression")
        ],
        "captured_at": now.isoformat(),
    }


def lead_lg_code(snapshot: dict[str, Any]) -> str:
    lead = next((p for p in snapshot["proposers"] if p["is_lead"]), snapshot["proposers"][0])
    code: str = lead["lg_code"]
    return code


def _cycle_exists(fy: int) -> str:
    return f"{fiscal_year_label(fy)}の継続審査は作成済みです（a cycle for FY{fy} exists）"


async def create_cycle(
    session: AsyncSession,
    *,
    principal: Principal,
    data: CycleCreate,
    registry: RegistryClient,
    now: datetime,
) -> ContinuationCycle:
    fy = data.fiscal_year
    if (existing := await repository.cycle_by_fiscal_year(session, fy)) is not None:
        raise Conflict(_cycle_exists(fy), cycle_id=str(existing.id))
    requested = {name: getattr(data, name) for name in DATE_FIELDS}
    effective = {name: deadline_on_open_day(value) for name, value in requested.items()}
    term_end = fiscal_year_end(fy)
    _check_order(effective, term_end)
    projects = await eligible_projects(registry, fy, now.astimezone(TOKYO).date())
    cycle = ContinuationCycle(
        fiscal_year=fy,
        term_end=term_end,
        **{f"{name}_requested": requested[name] for name in DATE_FIELDS},
        **effective,
        created_by=principal.actor,
        created_at=now,
    )
    project_ids = [p["id"] for p in projects]
    async with audited(
        session,
        cycle,
        kind="created",
        actor=principal,
        action="continuation_cycle.opened",
        subject_type="continuation_cycle",
        snapshot=_opened,
    ) as change:
        await add(session, cycle, conflict=_cycle_exists(fy))  # opened at the same time
        await _add_eligible(session, registry, cycle, projects, now)
        change.after_note["eligible_projects"] = project_ids
    await _audit_eligible(session, principal, cycle, project_ids)
    return cycle


def _opened(cycle: ContinuationCycle) -> dict[str, Any]:
    """What the opening of a cycle records: its fiscal year and its dates as they take effect."""
    return {
        "fiscal_year": cycle.fiscal_year,
        **{name: tokyo_iso(getattr(cycle, name)) for name in DATE_FIELDS},
    }


async def _add_eligible(
    session: AsyncSession,
    registry: RegistryClient,
    cycle: ContinuationCycle,
    projects: list[JSON],
    now: datetime,
) -> None:
    entries = []
    for project in projects:
        snapshot = await snapshot_of(registry, project, now)
        entries.append(
            CycleProject(
                cycle_id=cycle.id,
                project_id=uuid.UUID(project["id"]),
                lead_lg_code=lead_lg_code(snapshot),
                term_end=date.fromisoformat(project["term_end"]),
                state=EligibleProjectState.eligible,
                snapshot=snapshot,
                updated_at=now,
            )
        )
    await repository.add_cycle_projects(session, entries)


async def _audit_eligible(
    session: AsyncSession, principal: Principal, cycle: ContinuationCycle, project_ids: list[str]
) -> None:
    """One event per eligible project, in one INSERT: a cohort's rows are written set-based
    (``add_cycle_projects``), so there is no one row's change for ``audited`` to wrap."""
    await record_many(
        session,
        actor=principal.actor,
        action="continuation_project.eligible",
        subject_type="continuation_project",
        changes=[
            (
                subject_of(cycle.id, p),
                {"state": None},
                {"state": EligibleProjectState.eligible.value},
            )
            for p in project_ids
        ],
    )


async def counts_of(session: AsyncSession, cycles: list[ContinuationCycle]) -> dict[Any, Any]:
    return await repository.state_counts(session, [c.id for c in cycles])


async def list_cycles(session: AsyncSession) -> list[CycleOut]:
    """Every cycle, the newest fiscal year first, with its projects counted by state."""
    cycles = await repository.list_cycles(session)
    counts = await counts_of(session, cycles)
    return [cycle_out(c, counts[c.id]) for c in cycles]


async def cycle_projects(session: AsyncSession, *, cycle_id: uuid.UUID) -> list[CycleProjectOut]:
    """A cycle's eligible projects, each with its application and latest grace period if any."""
    await load(session, cycle_id)
    rows = await repository.list_cycle_projects(session, cycle_id)
    return [cycle_project_out(entry, application, grace) for entry, application, grace in rows]


def _check_grace(cycle: ContinuationCycle, entry: CycleProject, until: datetime) -> None:
    """A grace period is for a project that may still submit, ending after the deadline and
    within the term."""
    ELIGIBLE_PROJECT.fire(entry.state, Event.submit)
    if until <= cycle.deadline or until.astimezone(TOKYO).date() > cycle.term_end:
        raise InvalidInput.field(
            "body.until",
            "grace_window",
            f"猶予期限は締切（{tokyo_iso(cycle.deadline)}）より後、"
            f"支援期間の終了日（{cycle.term_end}）までです（until must fall after the deadline "
            "and within the term）",
        )


async def grant_grace_period(
    session: AsyncSession,
    *,
    principal: Principal,
    cycle_id: uuid.UUID,
    data: GracePeriodCreate,
    now: datetime,
) -> GracePeriod:
    """Let one project submit after the deadline until ``data.until``; who and why are kept."""
    cycle = await load(session, cycle_id)
    entry = await repository.cycle_project(session, cycle_id, data.project_id, lock=True)
    if entry is None:
        raise NotFound(
            f"この継続審査の対象事業ではありません: {data.project_id}"
            "（the project is not eligible in this cycle）"
        )
    _check_grace(cycle, entry, data.until)
    grace = GracePeriod(
        cycle_id=cycle_id,
        project_id=data.project_id,
        until=data.until,
        reason=data.reason,
        granted_by=principal.actor,
        granted_at=now,
    )
    # The project's state stays; the event says what it gained (always recorded).
    async with audited(
        session,
        entry,
        actor=principal,
        action="continuation_project.grace_granted",
        subject_type="continuation_project",
        subject_id=subject_of(cycle_id, data.project_id),
        snapshot=state_of,
        always=True,
    ) as change:
        await add(
            session, grace, conflict="猶予を記録できませんでした（grace period not recorded）"
        )
        change.after_note.update(
            grace_until=tokyo_iso(data.until), reason=data.reason, granted_by=principal.actor
        )
    return grace
