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


def deadline_reminder(
    *,
    cycle_id: object,
    fiscal_year: int,
    project_id: object,
    snapshot: dict[str, Any],
    deadline: datetime,
    days_before: int,
) -> dict[str, Any]:
    return {
        "kind": "continuation_deadline_reminder",
        "dedupe_key": f"reminder:{cycle_id}:{project_id}:{days_before}d",
        "context": {
            **_project(fiscal_year, project_id, snapshot),
            "cycle_id": str(cycle_id),
            "deadline": tokyo_iso(deadline),
            "days_before": days_before,
        },
        "recipients": project_recipients(snapshot),
    }


def assessment_reminder(
    *,
    key: str,
    reviewer: dict[str, Any],
    application_id: object,
    snapshot: dict[str, Any],
    review_due: datetime,
    days_before: int,
) -> dict[str, Any]:
    return {
        "kind": "assessment_reminder",
        "dedupe_key": key,
        "context": {
            "programme": PROGRAMME,
            "project_name": snapshot["title"],
            "local_government": lead_name(snapshot),
            "application_id": str(application_id),
            "due_date": tokyo_iso(review_due),
            "days_before": days_before,
        },
        "recipients": [{"name": reviewer["name"], "email": reviewer["email"], "contact_id": None}],
    }


def assessment_escalation(
    *,
    key: str,
    operator: dict[str, str],
    reviewer: dict[str, Any],
    application_id: object,
    snapshot: dict[str, Any],
    review_due: datetime,
) -> dict[str, Any]:
    return {
        "kind": "assessment_escalation",
        "dedupe_key": key,
        "context": {
            "programme": PROGRAMME,
            "project_name": snapshot["title"],
            "local_government": lead_name(snapshot),
            "application_id": str(application_id),
            "reviewer_name": reviewer["name"],
            "reviewer_email": reviewer["email"],
            "reviewer_subject": reviewer["subject"],
            "due_date": tokyo_iso(review_due),
        },
        "recipients": [{"name": operator["name"], "email": operator["email"], "contact_id": None}],
    }


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
    return {
        "kind": "continuation_decision",
        "dedupe_key": f"continuation-decision:{decision_id}",
        "context": {
            **_project(fiscal_year, project_id, snapshot),
            "decision_id": str(decision_id),
            "decision": outcome,
            "decided_on": decided_at.astimezone(TOKYO).date().isoformat(),
            "term_end": term_end.isoformat(),
            "reason": reason,
        },
        "recipients": project_recipients(snapshot),
    }
