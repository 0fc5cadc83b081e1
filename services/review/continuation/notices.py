"""The messages the continuation review sends through notify (``send_transactional``).

Each payload names its template (``kind``), a ``dedupe_key`` so notify sends it once, the context
the template reads (notify's ``letters/kinds.py`` is the contract: ``project_name``,
``local_government``, ``deadline``, ``due_date``, ``decision``, ``decided_on``, ``term_end`` …;
dates as ISO strings) and the recipients. Project messages go to the contacts captured in the
cycle's snapshot.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from libs.common.fiscal_year import TOKYO, fiscal_year_label, format_japanese_date

NOTIFY_FUNCTION = "send_transactional"
PROGRAMME = "未来技術社会実装事業 継続審査"


def tokyo_iso(value: datetime) -> str:
    """ISO 8601 with +09:00, whatever zone the database handed back."""
    return value.astimezone(TOKYO).isoformat()


def datetime_label(value: datetime) -> str:
    """``令和3年11月1日 17:00`` in Tokyo."""
    local = value.astimezone(TOKYO)
    return f"{format_japanese_date(local.date())} {local:%H:%M}"


def project_recipients(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": c["name"], "email": c["email"], "contact_id": c.get("contact_id")}
        for c in snapshot.get("contacts", [])
    ]


def lead_name(snapshot: dict[str, Any]) -> str:
    """The lead proposer as a letter names it: 秋田県仙北市, 静岡県."""
    lead = next((p for p in snapshot["proposers"] if p["is_lead"]), snapshot["proposers"][0])
    name: str = lead["name"]
    return name if name.startswith(lead["prefecture"]) else f"{lead['prefecture']}{name}"


def _project(fiscal_year: int, project_id: object, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_id": str(project_id),
        "project_name": snapshot["title"],
        "local_government": lead_name(snapshot),
        "fiscal_year_label": fiscal_year_label(fiscal_year),
    }


def _project_letter(
    kind: str,
    key: str,
    *,
    fiscal_year: int,
    project_id: object,
    snapshot: dict[str, Any],
    context: dict[str, Any],
) -> dict[str, Any]:
    """A letter about a project to its contacts (事業の連絡先), as the cycle's snapshot has them."""
    return {
        "kind": kind,
        "dedupe_key": key,
        "context": {**_project(fiscal_year, project_id, snapshot), **context},
        "recipients": project_recipients(snapshot),
    }


def _assessment_letter(
    kind: str,
    key: str,
    *,
    to: dict[str, Any],
    application_id: object,
    snapshot: dict[str, Any],
    context: dict[str, Any],
) -> dict[str, Any]:
    """A letter about one application's assessment (評価) to one person: the reviewer, or the
    operator a late assessment is escalated to."""
    return {
        "kind": kind,
        "dedupe_key": key,
        "context": {
            "programme": PROGRAMME,
            "project_name": snapshot["title"],
            "local_government": lead_name(snapshot),
            "application_id": str(application_id),
            **context,
        },
        "recipients": [{"name": to["name"], "email": to["email"], "contact_id": None}],
    }


def deadline_stage(deadline: datetime, as_of: datetime) -> tuple[str, int]:
    """Where a project stands against the deadline, as the letter says it, by Tokyo's calendar:
    ``days_left`` (あとN日), ``tomorrow`` (明日締切), ``today`` (本日締切) or ``overdue``
    (期限超過), with the calendar days left (0 when overdue)."""
    if as_of >= deadline:
        return "overdue", 0
    days = (deadline.astimezone(TOKYO).date() - as_of.astimezone(TOKYO).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "days_left"), days


def deadline_reminder(
    *,
    cycle_id: object,
    fiscal_year: int,
    project_id: object,
    snapshot: dict[str, Any],
    deadline: datetime,
    days_before: int | None,
    as_of: datetime,
) -> dict[str, Any]:
    """A reminder to file (``days_before``: the threshold reached, keyed ``<N>d``), or, with
    ``days_before`` None, the notice that the deadline passed without a filing (key ``overdue``).
    The context carries the deadline with its time and the stage the templates word it by."""
    stage, days_left = deadline_stage(deadline, as_of)
    key = "overdue" if days_before is None else f"{days_before}d"
    return _project_letter(
        "continuation_deadline_reminder",
        f"reminder:{cycle_id}:{project_id}:{key}",
        fiscal_year=fiscal_year,
        project_id=project_id,
        snapshot=snapshot,
        context={
            "cycle_id": str(cycle_id),
            "deadline": tokyo_iso(deadline),
            "days_before": days_before,
            "stage": stage,
            "days_left": days_left,
            "term_end": snapshot.get("term_end"),
        },
    )


def assessment_reminder(
    *,
    key: str,
    reviewer: dict[str, Any],
    application_id: object,
    snapshot: dict[str, Any],
    review_due: datetime,
    days_before: int,
) -> dict[str, Any]:
    return _assessment_letter(
        "assessment_reminder",
        key,
        to=reviewer,
        application_id=application_id,
        snapshot=snapshot,
        context={"due_date": tokyo_iso(review_due), "days_before": days_before},
    )


def assessment_escalation(
    *,
    key: str,
    operator: dict[str, str],
    reviewer: dict[str, Any],
    application_id: object,
    snapshot: dict[str, Any],
    review_due: datetime,
) -> dict[str, Any]:
    return _assessment_letter(
        "assessment_escalation",
        key,
        to=operator,
        application_id=application_id,
        snapshot=snapshot,
        context={
            "reviewer_name": reviewer["name"],
            "reviewer_email": reviewer["email"],
            "reviewer_subject": reviewer["subject"],
            "due_date": tokyo_iso(review_due),
        },
    )


def decision_letter(
    *,
    decision_id: object,
    fiscal_year: int,
    project_id: object,
    snapshot: dict[str, Any],
    outcome: str,
    reason: str,
    decided_at: datetime,
    term_end: date,
) -> dict[str, Any]:
    """``term_end``: the extended end on approval, the last supported day on rejection."""
    return _project_letter(
        "continuation_decision",
        f"continuation-decision:{decision_id}",
        fiscal_year=fiscal_year,
        project_id=project_id,
        snapshot=snapshot,
        context={
            "decision_id": str(decision_id),
            "decision": outcome,
            "decided_on": decided_at.astimezone(TOKYO).date().isoformat(),
            "term_end": term_end.isoformat(),
            "reason": reason,
        },
    )
