"""Term changes ordered by the review service: extend by two fiscal years, or end.

Each is idempotent by the caller's decision id: the first result is stored with the decision and
returned again for a repeat, which changes nothing. The project rows are locked first (a batch
locks its rows in id order), so two decisions on one project are applied one after the other.

A project the registry's term sweep ended (``expiry.py``: its last change is an ``expiry``) is
not final for the review: its end of that project records the decision and reason
(``confirm_end``), and an approval that arrives after the sweep continues the term without a gap
(``extend_expired``). A project a decision ended stays ended (409).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, InvalidInput
from libs.common.fiscal_year import now_tokyo, support_term_end
from services.registry.audit.service import record
from services.registry.projects import repository, terms_repository
from services.registry.projects.models import Project, TermChange
from services.registry.projects.service import ONE_DAY, load
from services.registry.projects.states import PROJECT, ProjectEvent, ProjectStatus
from services.registry.projects.term_schemas import TermChangeOut

Kind = Literal["extension", "end"]
AuditChange = tuple[uuid.UUID, dict[str, Any], dict[str, Any]]
ACTIONS: dict[Kind, str] = {"extension": "project.term_extended", "end": "project.term_ended"}


@dataclass(slots=True)
class Term:
    """A batch's project as the term rules see it (``term_ends.py``): its locked row's term,
    changed in place, the kind of its last term change and, for a municipality's visibility,
    its proposers' codes."""

    id: uuid.UUID
    status: ProjectStatus
    term_start: date
    term_end: date
    extensions: int
    extended_on: date | None
    ended_on: date | None
    end_reason: str | None
    last_kind: str | None
    lg_codes: list[str] | None


def term_fields(project: Project | Term) -> dict[str, object]:
    return {
        "status": project.status,
        "term_end": project.term_end.isoformat(),
        "extensions": project.extensions,
        "extended_on": project.extended_on.isoformat() if project.extended_on else None,
        "ended_on": project.ended_on.isoformat() if project.ended_on else None,
    }


def replayed(
    earlier: TermChange | None, project_id: uuid.UUID, decision_id: str, kind: Kind
) -> TermChangeOut | None:
    """The stored result of this decision, if it was applied before (to this project, as this
    kind)."""
    if earlier is None:
        return None
    if earlier.project_id != project_id or earlier.kind != kind:
        raise Conflict(
            f"この決定IDは別の事業・種別で使用済みです: {decision_id}"
            f"（decision id already recorded as a {earlier.kind} of project {earlier.project_id}）"
        )
    return TermChangeOut.model_validate(earlier.result)


def decided_on_or_none(decided_on: date | None, today: date) -> date | None:
    if decided_on is not None and decided_on > today:
        raise InvalidInput.field(
            "body.decided_on",
            "not_future",
            f"決定日は今日以前の日付です: {decided_on}（a decision day after {today}）",
        )
    return decided_on


def expired(status: ProjectStatus, last_kind: str | None) -> bool:
    """Ended by the term sweep (the project's last term change is an expiry), and no decision
    since."""
    return status == ProjectStatus.ended and last_kind == "expiry"


def apply_end(
    project: Project | Term, *, reason: str, effective_on: date | None, expired: bool
) -> None:
    """End support on ``effective_on`` (default: the current term end), the last supported day;
    the machine refuses a project already ended (unless the sweep ended it) or withdrawn."""
    event = ProjectEvent.confirm_end if expired else ProjectEvent.end_term
    ended = PROJECT.fire(project.status, event)
    last_day = effective_on or project.term_end
    if not project.term_start <= last_day <= project.term_end:
        raise InvalidInput.field(
            "body.effective_on",
            "within_term",
            f"最終支援日は支援期間内の日付です: {last_day}"
            f"（must be within {project.term_start} – {project.term_end}）",
        )
    project.status = ended
    project.ended_on = last_day
    project.term_end = last_day
    project.end_reason = reason


def _last_expired(project: Project, last: TermChange | None) -> bool:
    return expired(project.status, last.kind if last is not None else None)


def _extend(project: Project, *, expired: bool, decided_on: date | None, today: date) -> None:
    """Two more fiscal years; the first continuation starts extended support (``extended_on``):
    on its decision day, at the latest the day after the term it extends."""
    event = ProjectEvent.extend_expired if expired else ProjectEvent.extend_term
    extended = PROJECT.fire(project.status, event)
    if project.extended_on is None:
        project.extended_on = min(decided_on or today, project.term_end + ONE_DAY)
    project.extensions += 1
    project.term_end = support_term_end(project.selection_fiscal_year, project.extensions)
    project.status = extended
    project.ended_on = None
    project.end_reason = None


def _change(
    project: Project,
    *,
    decision_id: str,
    kind: Kind,
    previous: date,
    reason: str,
    decided_on: date | None,
    before: dict[str, object],
    now: datetime,
) -> tuple[TermChangeOut, TermChange, AuditChange]:
    """The answer, the stored decision and the audit change of one applied term change."""
    project.updated_at = now
    result = TermChangeOut(
        decision_id=decision_id,
        kind=kind,
        project_id=project.id,
        previous_term_end=previous,
        new_term_end=project.term_end,
        status=project.status,
        extensions=project.extensions,
        ended_on=project.ended_on,
        reason=reason,
        decided_on=decided_on,
        recorded_at=now,
    )
    change = TermChange(
        decision_id=decision_id,
        project_id=project.id,
        kind=kind,
        previous_term_end=previous,
        new_term_end=project.term_end,
        reason=reason,
        decided_on=decided_on,
        result=result.model_dump(mode="json"),
        created_at=now,
    )
    audit = (
        project.id,
        {**before, "decision_id": decision_id},
        {**term_fields(project), "decision_id": decision_id, "reason": reason},
    )
    return result, change, audit


async def _store(
    session: AsyncSession,
    principal: Principal,
    kind: Kind,
    change: TermChange,
    audit: AuditChange,
) -> None:
    await repository.add_term_changes(session, [change])
    subject_id, before, after = audit
    await record(
        session,
        actor=principal,
        action=ACTIONS[kind],
        subject_type="project",
        subject_id=subject_id,
        before=before,
        after=after,
    )


async def extend_term(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    decision_id: str,
    reason: str = "",
    decided_on: date | None = None,
) -> tuple[TermChangeOut, bool]:
    """Extend by two fiscal years; returns the result and whether it is a replay."""
    project = await load(session, principal, project_id, lock=True)
    earlier = await repository.term_change(session, decision_id)
    if (replay := replayed(earlier, project_id, decision_id, "extension")) is not None:
        return replay, True
    now = now_tokyo()
    decided_on = decided_on_or_none(decided_on, now.date())
    last = (await terms_repository.last_changes(session, [project.id])).get(project.id)
    before, previous = term_fields(project), project.term_end
    _extend(project, expired=_last_expired(project, last), decided_on=decided_on, today=now.date())
    result, change, audit = _change(
        project,
        decision_id=decision_id,
        kind="extension",
        previous=previous,
        reason=reason,
        decided_on=decided_on,
        before=before,
        now=now,
    )
    await _store(session, principal, "extension", change, audit)
    return result, False


async def end_term(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    decision_id: str,
    reason: str,
    effective_on: date | None = None,
    decided_on: date | None = None,
) -> tuple[TermChangeOut, bool]:
    """End support; returns the result and whether it is a replay."""
    project = await load(session, principal, project_id, lock=True)
    earlier = await repository.term_change(session, decision_id)
    if (replay := replayed(earlier, project_id, decision_id, "end")) is not None:
        return replay, True
    now = now_tokyo()
    decided_on = decided_on_or_none(decided_on, now.date())
    last = (await terms_repository.last_changes(session, [project.id])).get(project.id)
    before, previous = term_fields(project), project.term_end
    apply_end(
        project, reason=reason, effective_on=effective_on, expired=_last_expired(project, last)
    )
    result, change, audit = _change(
        project,
        decision_id=decision_id,
        kind="end",
        previous=previous,
        reason=reason,
        decided_on=decided_on,
        before=before,
        now=now,
    )
    await _store(session, principal, "end", change, audit)
    return result, False
