"""継続申請書: the lead proposer drafts and submits; the deadline (or a grace period) decides
when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from libs.common.etag import check_if_match, etag_for
from services.review.audit.service import audited, state_of, text_digest
from services.review.continuation.applications import repository
from services.review.continuation.applications.schemas import (
    SECTIONS,
    ApplicationUpdate,
    Attachment,
    ContinuationApplicationCreate,
    ContinuationApplicationOut,
    application_out,
)
from services.review.continuation.assessments.service import visible_assignment
from services.review.continuation.cycles import repository as cycles
from services.review.continuation.cycles.service import load as load_cycle
from services.review.continuation.cycles.service import subject_of
from services.review.continuation.decisions import repository as decisions
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.notices import datetime_label, tokyo_iso
from services.review.continuation.repository import add, save
from services.review.continuation.states import (
    APPLICATION,
    ELIGIBLE_PROJECT,
    ContinuationApplicationState,
    Event,
)
from services.review.registry_client import RegistryClient

DUPLICATE = "この事業の継続申請書は作成済みです（one application per project per cycle）"


def application_etag(application: ContinuationApplication) -> str:
    return etag_for("continuation-application", application.id, application.version)


def check_lead(principal: Principal, entry: CycleProject) -> None:
    """Only the lead proposer's municipality token acts for a project."""
    if principal.role is not Role.municipality or principal.lg_code != entry.lead_lg_code:
        raise Forbidden(
            "代表提案団体のみが継続申請できます"
            f"（only the lead proposer {entry.lead_lg_code} may draft and submit）"
        )


async def _entry(session: AsyncSession, cycle_id: uuid.UUID, project_id: uuid.UUID) -> CycleProject:
    entry = await cycles.cycle_project(session, cycle_id, project_id, lock=True)
    if entry is None:
        raise NotFound(
            f"この継続審査の対象事業ではありません: {project_id}"
            "（the project is not eligible in this cycle）"
        )
    return entry


async def check_window(
    session: AsyncSession, cycle: ContinuationCycle, entry: CycleProject, now: datetime
) -> datetime | None:
    """Refuse before opening and after the deadline; returns the grace period's end if late."""
    if now < cycle.opens_at:
        raise RuleViolation(
            f"申請受付は{datetime_label(cycle.opens_at)}からです"
            f"（applications open at {tokyo_iso(cycle.opens_at)}）",
            rule="application_opening",
            opens_at=tokyo_iso(cycle.opens_at),
        )
    if now <= cycle.deadline:
        return None
    grace = await cycles.grace_until(session, cycle.id, entry.project_id)
    if grace is not None and now <= grace:
        return grace
    raise RuleViolation(
        f"申請締切（{datetime_label(cycle.deadline)}）を過ぎています"
        f"（the application deadline {tokyo_iso(cycle.deadline)} has passed）",
        rule="application_deadline",
        deadline=tokyo_iso(cycle.deadline),
        requested_deadline=tokyo_iso(cycle.deadline_requested),
        grace_until=tokyo_iso(grace) if grace else None,
    )


def _attachments(items: list[Attachment]) -> list[dict[str, object]]:
    return [a.model_dump() for a in items]


async def create_application(
    session: AsyncSession,
    *,
    principal: Principal,
    cycle_id: uuid.UUID,
    data: ContinuationApplicationCreate,
    now: datetime,
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle]:
    cycle = await load_cycle(session, cycle_id)
    entry = await _entry(session, cycle_id, data.project_id)
    check_lead(principal, entry)
    ELIGIBLE_PROJECT.fire(entry.state, Event.start_draft)
    await check_window(session, cycle, entry, now)
    existing = await repository.application_for(session, cycle_id, data.project_id)
    if existing is not None:
        raise Conflict(DUPLICATE, application_id=str(existing.id))
    application = ContinuationApplication(
        cycle_id=cycle_id,
        project_id=data.project_id,
        state=ContinuationApplicationState.draft,
        future_vision=data.future_vision,
        achievements=data.achievements,
        plan=data.plan,
        attachments=_attachments(data.attachments),
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
    )
    async with audited(
        session,
        application,
        kind="created",
        actor=principal,
        action="continuation_application.drafted",
        subject_type="continuation_application",
        snapshot=_drafted,
    ):
        await add(session, application, conflict=DUPLICATE)
    return application, entry, cycle


def _drafted(application: ContinuationApplication) -> dict[str, Any]:
    return {"state": application.state, "project_id": str(application.project_id)}


async def load_for_change(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, if_match: str | None
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle]:
    """Lock the application and its project, check who asks and the ETag."""
    application = await repository.application(session, application_id, lock=True)
    if application is None:
        raise _not_found(application_id)
    entry = await _entry(session, application.cycle_id, application.project_id)
    check_lead(principal, entry)
    check_if_match(if_match, application_etag(application))
    return application, entry, await load_cycle(session, application.cycle_id)


def _not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(f"継続申請書が見つかりません: {application_id}（no such application）")


async def update_application(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    if_match: str | None,
    now: datetime,
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle]:
    application, entry, cycle = await load_for_change(session, principal, application_id, if_match)
    APPLICATION.fire(application.state, Event.edit)
    await check_window(session, cycle, entry, now)
    changes = data.model_dump(exclude_unset=True)
    # An edit that changes nothing writes nothing: no version step, no audit event.
    async with audited(
        session,
        application,
        actor=principal,
        action="continuation_application.edited",
        subject_type="continuation_application",
        snapshot=draft_digest,
        save=lambda: save(session),
    ) as change:
        for name in SECTIONS:
            if name in changes:
                setattr(application, name, changes[name])
        if data.attachments is not None:
            application.attachments = _attachments(data.attachments)
        before, after = change.before or {}, draft_digest(application)
        edited = [name for name, value in after.items() if before.get(name) != value]
        if edited:
            application.updated_at = now
            change.after_note["edited"] = edited
    return application, entry, cycle


def draft_digest(application: ContinuationApplication) -> dict[str, Any]:
    """A draft as its audit events show it: each section's length and digest, each attachment's
    name and digest. Enough to tell who changed which section when without copying up to 60,000
    characters into the trail at every save; the text itself is the application's."""
    return {
        "state": application.state,
        **{name: text_digest(getattr(application, name)) for name in SECTIONS},
        "attachments": [
            {"name": a["name"], "sha256": a["sha256"]} for a in application.attachments
        ],
    }


def _require_sections(application: ContinuationApplication) -> None:
    missing = [
        FieldProblem(
            field=f"application.{name}",
            rule="required",
            message=f"{label}を記入してください（{name} is required to submit）",
        )
        for name, label in SECTIONS.items()
        if not getattr(application, name).strip()
    ]
    if missing:
        raise InvalidInput("; ".join(p.message for p in missing), errors=missing)


async def submit_application(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    if_match: str | None,
    now: datetime,
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle]:
    application, entry, cycle = await load_for_change(session, principal, application_id, if_match)
    next_application = APPLICATION.fire(application.state, Event.submit)
    next_entry = ELIGIBLE_PROJECT.fire(entry.state, Event.submit)
    grace = await check_window(session, cycle, entry, now)
    _require_sections(application)
    # The project's change encloses the application's: both rows are written in one flush and
    # the application's event comes first.
    async with (
        audited(
            session,
            entry,
            actor=principal,
            action="continuation_project.applied",
            subject_type="continuation_project",
            subject_id=subject_of(cycle.id, entry.project_id),
            snapshot=state_of,
            always=True,
        ) as entry_change,
        audited(
            session,
            application,
            actor=principal,
            action="continuation_application.submitted",
            subject_type="continuation_application",
            snapshot=state_of,
            always=True,
        ) as application_change,
    ):
        application.state, entry.state = next_application, next_entry
        application.submitted_at, application.submitted_by = now, principal.actor
        application.submitted_under_grace_until = grace
        application.updated_at = entry.updated_at = now
        if grace:
            application_change.after_note["late_under_grace_until"] = tokyo_iso(grace)
        entry_change.after_note["application_id"] = str(application.id)
    return application, entry, cycle


async def load_for_reader(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle]:
    """Operators read any application; the lead proposer its own; a reviewer those assigned to
    them that no conflict of interest hides. Any other is a 404: its existence is not disclosed."""
    application = await repository.application(session, application_id)
    if application is None:
        raise _not_found(application_id)
    entry = await cycles.cycle_project(session, application.cycle_id, application.project_id)
    assert entry is not None  # a foreign key guarantees it
    if principal.role is Role.municipality and principal.lg_code != entry.lead_lg_code:
        raise _not_found(application_id)
    if principal.role is Role.reviewer:
        await visible_assignment(session, principal, application, registry)
    return application, entry, await load_cycle(session, application.cycle_id)


async def read_application(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[ContinuationApplication, CycleProject, ContinuationCycle, ContinuationDecision | None]:
    """An application as its reader may see it (:func:`load_for_reader`), with its decision."""
    application, entry, cycle = await load_for_reader(session, principal, application_id, registry)
    return application, entry, cycle, await decisions.decision_for(session, application.id)


async def list_applications(
    session: AsyncSession, *, principal: Principal, cycle_id: uuid.UUID
) -> list[ContinuationApplicationOut]:
    """A cycle's applications: all of them for operators, its own for a municipality."""
    cycle = await load_cycle(session, cycle_id)
    own = principal.lg_code if principal.role is Role.municipality else None
    rows = await repository.list_applications(session, cycle_id, lead_lg_code=own)
    return [application_out(a, e, cycle) for a, e in rows]
