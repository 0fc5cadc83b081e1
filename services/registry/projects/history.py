"""支援期間の履歴 — a project's term history, built from what the registry stored: the project row
(selection), its term changes (the review's extensions and ends, the term sweep's expiries) and
the audit trail's withdrawal and selection-year corrections. Nothing is stored for it alone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.fiscal_year import as_tokyo_date, fiscal_year_label, support_term_end
from services.registry.audit.models import AuditEvent
from services.registry.projects import terms_repository
from services.registry.projects.models import Project, TermChange
from services.registry.projects.service import load
from services.registry.projects.states import ProjectStatus
from services.registry.projects.term_schemas import TermEvent, TermEventKind, TermHistoryOut

KINDS: dict[str, TermEventKind] = {"extension": "extended", "end": "ended", "expiry": "expired"}
IMPORTED = "登録時に記録された継続（決定の記録なし）"
WITHDRAWN = "取下げ"


def _selected(project: Project) -> TermEvent:
    fy = project.selection_fiscal_year
    return TermEvent(
        kind="selected",
        on=project.term_start,
        term_end=support_term_end(fy),
        reason=f"{fiscal_year_label(fy)}選定",
        decision_id=None,
        decided_on=None,
        recorded_at=project.created_at,
    )


def _imported(project: Project, changes: Sequence[TermChange]) -> list[TermEvent]:
    """The continuations an imported record came with: counted, no decision stored."""
    recorded = sum(change.kind == "extension" for change in changes)
    return [
        TermEvent(
            kind="extended",
            on=None,
            term_end=support_term_end(project.selection_fiscal_year, number),
            reason=IMPORTED,
            decision_id=None,
            decided_on=None,
            recorded_at=project.created_at,
        )
        for number in range(1, project.extensions - recorded + 1)
    ]


def _from_change(change: TermChange, superseded: bool) -> TermEvent:
    kind = KINDS.get(change.kind, "ended")
    on = change.decided_on or as_tokyo_date(change.created_at)
    return TermEvent(
        kind=kind,
        on=on if kind == "extended" else change.new_term_end,
        term_end=change.new_term_end,
        reason=change.reason,
        decision_id=change.decision_id,
        decided_on=change.decided_on,
        recorded_at=change.created_at,
        superseded=superseded,
    )


def _from_edit(event: AuditEvent) -> list[TermEvent]:
    before, after = event.before or {}, event.after or {}
    day, found = as_tokyo_date(event.at), []
    if before.get("selection_fiscal_year") != after.get("selection_fiscal_year"):
        old, new = before.get("selection_fiscal_year"), after.get("selection_fiscal_year")
        labels = [fiscal_year_label(fy) if isinstance(fy, int) else str(fy) for fy in (old, new)]
        found.append(("selection_changed", f"選定年度の訂正: {labels[0]} → {labels[1]}"))
    if after.get("status") == ProjectStatus.withdrawn and before.get("status") != after["status"]:
        found.append(("withdrawn", WITHDRAWN))
    return [
        TermEvent(
            kind=kind,  # type: ignore[arg-type]  # one of the two literals above
            on=day,
            term_end=after.get("term_end"),
            reason=reason,
            decision_id=None,
            decided_on=None,
            recorded_at=event.at,
        )
        for kind, reason in found
    ]


def _events(
    project: Project, changes: Sequence[TermChange], edits: Sequence[AuditEvent]
) -> list[TermEvent]:
    """Oldest first. An expiry that a later decision replaced (``changes`` are in the order
    they were recorded) is marked ``superseded``."""
    dated = [
        _from_change(change, change.kind == "expiry" and n + 1 < len(changes))
        for n, change in enumerate(changes)
    ]
    dated += [event for edit in edits for event in _from_edit(edit)]
    dated.sort(key=lambda event: event.recorded_at or project.created_at)
    return [_selected(project), *_imported(project, changes), *dated]


async def term_history(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID
) -> TermHistoryOut:
    """The history of a project its reader may see (404, and 403 for another municipality's)."""
    project = await load(session, principal, project_id)
    changes = await terms_repository.changes_of(session, project.id)
    edits = await terms_repository.term_edits_of(session, project.id)
    fy = project.selection_fiscal_year
    return TermHistoryOut(
        project_id=project.id,
        title=project.title,
        selection_fiscal_year=fy,
        selection_fiscal_year_label=fiscal_year_label(fy),
        term_start=project.term_start,
        initial_term_end=support_term_end(fy),
        term_end=project.term_end,
        extensions=project.extensions,
        status=ProjectStatus(project.status),
        ended_on=project.ended_on,
        end_reason=project.end_reason,
        events=_events(project, changes, edits),
    )
