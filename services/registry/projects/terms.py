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
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
)
from libs.common.fiscal_year import now_tokyo, support_term_end
from services.registry.audit.service import record, record_many
from services.registry.projects import repository, terms_repository
from services.registry.projects.models import Project, TermChange
from services.registry.projects.service import ONE_DAY, load, may_see
from services.registry.projects.states import PROJECT, ProjectEvent, ProjectStatus
from services.registry.projects.term_schemas import TermChangeOut, TermEndItemIn, TermEndOutcome

Kind = Literal["extension", "end"]
AuditChange = tuple[uuid.UUID, dict[str, Any], dict[str, Any]]
ACTIONS: dict[Kind, str] = {"extension": "project.term_extended", "end": "project.term_ended"}


def _term_fields(project: Project) -> dict[str, object]:
    return {
        "status": project.status,
        "term_end": project.term_end.isoformat(),
        "extensions": project.extensions,
        "extended_on": project.extended_on.isoformat() if project.extended_on else None,
        "ended_on": project.ended_on.isoformat() if project.ended_on else None,
    }


def _replayed(
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


def _decided_on(decided_on: date | None, today: date) -> date | None:
    if decided_on is not None and decided_on > today:
        raise InvalidInput.field(
            "body.decided_on",
            "not_future",
            f"決定日は今日以前の日付です: {decided_on}（a decision day after {today}）",
        )
    return decided_on


def _expired(project: Project, last: TermChange | None) -> bool:
    """Ended by the term sweep, and no decision since."""
    return project.status == ProjectStatus.ended and last is not None and last.kind == "expiry"


def _end(project: Project, *, reason: str, effective_on: date | None, expired: bool) -> None:
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
        {**_term_fields(project), "decision_id": decision_id, "reason": reason},
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
    if (replay := _replayed(earlier, project_id, decision_id, "extension")) is not None:
        return replay, True
    now = now_tokyo()
    decided_on = _decided_on(decided_on, now.date())
    last = (await terms_repository.last_changes(session, [project.id])).get(project.id)
    before, previous = _term_fields(project), project.term_end
    _extend(project, expired=_expired(project, last), decided_on=decided_on, today=now.date())
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
    if (replay := _replayed(earlier, project_id, decision_id, "end")) is not None:
        return replay, True
    now = now_tokyo()
    decided_on = _decided_on(decided_on, now.date())
    last = (await terms_repository.last_changes(session, [project.id])).get(project.id)
    before, previous = _term_fields(project), project.term_end
    _end(project, reason=reason, effective_on=effective_on, expired=_expired(project, last))
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


def _end_one(
    principal: Principal,
    project: Project | None,
    stored: tuple[TermChange | None, TermChange | None],
    item: TermEndItemIn,
    now: datetime,
) -> tuple[TermChangeOut, TermChange | None, AuditChange | None]:
    """One item of a batch: a replay (no change, no audit) or an applied end; raises a refusal.
    ``stored``: the change this decision id made before, and the project's last change."""
    if project is None:
        raise NotFound(f"事業が見つかりません: {item.project_id}（no project with this id）")
    if not may_see(principal, project):
        raise Forbidden("この事業を変更する権限がありません（not allowed to change this project）")
    earlier, last = stored
    if (replay := _replayed(earlier, project.id, item.decision_id, "end")) is not None:
        return replay, None, None
    decided_on = _decided_on(item.decided_on, now.date())
    before, previous = _term_fields(project), project.term_end
    _end(
        project,
        reason=item.reason,
        effective_on=item.effective_on,
        expired=_expired(project, last),
    )
    return _change(
        project,
        decision_id=item.decision_id,
        kind="end",
        previous=previous,
        reason=item.reason,
        decided_on=decided_on,
        before=before,
        now=now,
    )


def _outcome(
    item: TermEndItemIn,
    outcome: Literal["applied", "replayed", "refused"],
    *,
    change: TermChangeOut | None = None,
    problem: Problem | None = None,
) -> TermEndOutcome:
    return TermEndOutcome(
        project_id=item.project_id,
        decision_id=item.decision_id,
        outcome=outcome,
        change=change,
        problem=problem,
    )


async def end_terms(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[TermEndItemIn],
    problem_base: str,
) -> list[TermEndOutcome]:
    """End support of a batch of projects in one transaction, item by item by the same rules as
    :func:`end_term`: one refused item (ended, unknown, out of term) does not refuse the others,
    and carries the problem :func:`end_term` would have answered (its type on ``problem_base``)."""
    projects = await repository.lock_projects(session, [i.project_id for i in items])
    earlier = await repository.term_changes(session, [i.decision_id for i in items])
    last = await terms_repository.last_changes(session, list(projects))
    now = now_tokyo()
    outcomes: list[TermEndOutcome] = []
    changes: list[TermChange] = []
    audits: list[AuditChange] = []
    for item in items:
        try:
            result, change, audit = _end_one(
                principal,
                projects.get(item.project_id),
                (earlier.get(item.decision_id), last.get(item.project_id)),
                item,
                now,
            )
        except DomainError as exc:
            problem = Problem(**exc.to_problem(base=problem_base))
            outcomes.append(_outcome(item, "refused", problem=problem))
            continue
        if change is None or audit is None:
            outcomes.append(_outcome(item, "replayed", change=result))
            continue
        outcomes.append(_outcome(item, "applied", change=result))
        last[item.project_id] = change  # a second item for this project sees this end
        changes.append(change)
        audits.append(audit)
    ended = {c.project_id for c in changes}
    await terms_repository.store_ends(session, [p for i, p in projects.items() if i in ended])
    await repository.add_term_changes(session, changes)
    await record_many(
        session,
        actor=principal.actor,
        action=ACTIONS["end"],
        subject_type="project",
        changes=audits,
    )
    return outcomes
