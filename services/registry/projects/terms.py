"""Term changes ordered by the review service: extend by two fiscal years, or end.

Each is idempotent by the caller's decision id: the first result is stored with the decision and
returned again for a repeat, which changes nothing. The project row is locked first, so two
decisions on one project are applied one after the other.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, InvalidInput
from libs.common.fiscal_year import now_tokyo, support_term_end
from services.registry.audit.service import record
from services.registry.projects import repository
from services.registry.projects.models import Project, TermChange
from services.registry.projects.schemas import ProjectStatus, TermChangeOut
from services.registry.projects.service import load

Kind = Literal["extension", "end"]


def _term_fields(project: Project) -> dict[str, object]:
    return {
        "status": project.status,
        "term_end": project.term_end.isoformat(),
        "extensions": project.extensions,
        "ended_on": project.ended_on.isoformat() if project.ended_on else None,
    }


async def _replay_or_lock(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    decision_id: str,
    kind: Kind,
) -> tuple[Project, TermChangeOut | None]:
    """Lock the project, then find an earlier result of this decision (checked under the lock)."""
    project = await load(session, principal, project_id, lock=True)
    earlier = await repository.term_change(session, decision_id)
    if earlier is None:
        return project, None
    if earlier.project_id != project_id or earlier.kind != kind:
        raise Conflict(
            f"この決定IDは別の事業・種別で使用済みです: {decision_id}"
            f"（decision id already recorded as a {earlier.kind} of project {earlier.project_id}）"
        )
    return project, TermChangeOut.model_validate(earlier.result)


def _refuse_if_closed(project: Project, decision_id: str) -> None:
    if project.status in (ProjectStatus.ended, ProjectStatus.withdrawn):
        raise Conflict(
            f"支援が終了した事業の支援期間は変更できません: {decision_id}"
            f"（project is {project.status}; ended_on {project.ended_on}）",
            project_status=project.status,
        )


async def _store(
    session: AsyncSession,
    *,
    principal: Principal,
    project: Project,
    decision_id: str,
    kind: Kind,
    previous: date,
    reason: str,
    before: dict[str, object],
) -> TermChangeOut:
    now = now_tokyo()
    project.updated_at = now
    await session.flush()
    result = TermChangeOut(
        decision_id=decision_id,
        kind=kind,
        project_id=project.id,
        previous_term_end=previous,
        new_term_end=project.term_end,
        status=ProjectStatus(project.status),
        extensions=project.extensions,
        ended_on=project.ended_on,
        reason=reason,
        recorded_at=now,
    )
    change = TermChange(
        decision_id=decision_id,
        project_id=project.id,
        kind=kind,
        previous_term_end=previous,
        new_term_end=project.term_end,
        reason=reason,
        result=result.model_dump(mode="json"),
        created_at=now,
    )
    await repository.add_term_change(session, change)
    await record(
        session,
        actor=principal,
        action="project.term_extended" if kind == "extension" else "project.term_ended",
        subject_type="project",
        subject_id=project.id,
        before={**before, "decision_id": decision_id},
        after={**_term_fields(project), "decision_id": decision_id, "reason": reason},
    )
    return result


async def extend_term(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    decision_id: str,
    reason: str = "",
) -> tuple[TermChangeOut, bool]:
    """Extend by two fiscal years; returns the result and whether it is a replay."""
    project, earlier = await _replay_or_lock(
        session,
        principal=principal,
        project_id=project_id,
        decision_id=decision_id,
        kind="extension",
    )
    if earlier is not None:
        return earlier, True
    _refuse_if_closed(project, decision_id)
    before, previous = _term_fields(project), project.term_end
    project.extensions += 1
    project.term_end = support_term_end(project.selection_fiscal_year, project.extensions)
    project.status = ProjectStatus.extended
    result = await _store(
        session,
        principal=principal,
        project=project,
        decision_id=decision_id,
        kind="extension",
        previous=previous,
        reason=reason,
        before=before,
    )
    return result, False


async def end_term(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    decision_id: str,
    reason: str,
    effective_on: date | None = None,
) -> tuple[TermChangeOut, bool]:
    """End support on ``effective_on`` (default: the current term end), the last supported day."""
    project, earlier = await _replay_or_lock(
        session, principal=principal, project_id=project_id, decision_id=decision_id, kind="end"
    )
    if earlier is not None:
        return earlier, True
    _refuse_if_closed(project, decision_id)
    last_day = effective_on or project.term_end
    if not project.term_start <= last_day <= project.term_end:
        raise InvalidInput.field(
            "body.effective_on",
            "within_term",
            f"最終支援日は支援期間内の日付です: {last_day}"
            f"（must be within {project.term_start} – {project.term_end}）",
        )
    before, previous = _term_fields(project), project.term_end
    project.status = ProjectStatus.ended
    project.ended_on = last_day
    project.term_end = last_day
    project.end_reason = reason
    result = await _store(
        session,
        principal=principal,
        project=project,
        decision_id=decision_id,
        kind="end",
        previous=previous,
        reason=reason,
        before=before,
    )
    return result, False
