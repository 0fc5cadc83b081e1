"""Publication of a round's results at its announcement, which is when selections start to leave
the review service: applicants get their result letters and ☆ selections become registry projects.

The registry's ``POST /v1/projects`` is called with an Idempotency-Key, and before it the project is
looked for (``GET /v1/projects?programme=…&fiscal_year=…&q=title``, same title and lead); the
project id is recorded on the selection in the same unit of work, so a rerun finds either the id or
the project (docs/review.md, "Publication and registry projects").
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import fiscal_year_label
from libs.common.outbox import add_message
from services.review.audit.service import record, record_many
from services.review.joint_review.applications import repository as applications
from services.review.joint_review.models import (
    JointApplication,
    JointReviewRound,
    JointSelection,
)
from services.review.joint_review.registry import Record, create_project, projects
from services.review.joint_review.rounds import repository
from services.review.joint_review.selections import repository as selections
from services.review.joint_review.states import ROUND, JointReviewEvent
from services.review.models import outbox
from services.review.registry_client import RegistryClient

# The Cabinet Office programme (内閣府 未来技術社会実装事業): the registry's projects are its
# selections, so its selected regions become registry projects and its earlier projects count
# as earlier-year marks.
FUTURE_TECH_MARK = "☆"


async def publish(session: AsyncSession, *, round_: JointReviewRound, now: datetime) -> None:
    """Results become public: ☆ selections go to the registry, applicants get their result."""
    ROUND.fire(round_.state, JointReviewEvent.publish)  # published: ``published_at`` records it
    round_.published_at = now
    chosen = await selections.selections_of_round(session, round_.id)
    for selection in chosen:
        if selection.mark == FUTURE_TECH_MARK:
            await add_message(
                session,
                outbox,
                queue="review",
                function="register_joint_review_project",
                payload={"selection_id": str(selection.id)},
            )
    names = {p.programme_id: p.name for p in round_.programmes}
    selected: dict[uuid.UUID, list[str]] = {}
    for selection in chosen:
        selected.setdefault(selection.application_id, []).append(names[selection.programme_id])
    for application in await applications.applications_of_round(session, round_.id):
        if application.contact_email:
            await _notify_result(session, round_, application, selected.get(application.id, []))


def _result_letter(
    round_: JointReviewRound, application: JointApplication, programmes: list[str]
) -> dict[str, Any]:
    result: Literal["selected", "not_selected"] = "selected" if programmes else "not_selected"
    return {
        "fiscal_year_label": fiscal_year_label(round_.fiscal_year),
        "region": application.region_label,
        "result": result,
        "programmes": programmes,
        "note": application.title,
    }


async def _notify_result(
    session: AsyncSession,
    round_: JointReviewRound,
    application: JointApplication,
    programmes: list[str],
) -> None:
    await add_message(
        session,
        outbox,
        queue="notify",
        function="send_transactional",
        payload={
            "kind": "joint_review_result",
            "dedupe_key": f"joint-review-result:{application.id}",
            "context": _result_letter(round_, application, programmes),
            "recipients": [
                {
                    "name": application.contact_name or "",
                    "email": application.contact_email,
                    "contact_id": None,
                }
            ],
        },
    )


async def publish_due(session: AsyncSession, *, as_of: date, now: datetime) -> int:
    """The sweep: publish every closed round whose announcement day has come. Idempotent."""
    rounds = await repository.rounds_to_publish(session, as_of)
    for round_ in rounds:
        await publish(session, round_=round_, now=now)
    await record_many(
        session,
        actor="system:joint_review_publication",
        action="joint_review_round.published",
        subject_type="joint_review_round",
        changes=[
            (r.id, {"state": "closed"}, {"state": "published", "as_of": as_of.isoformat()})
            for r in rounds
        ],
    )
    return len(rounds)


def _same_project(project: Record, application: JointApplication) -> bool:
    lead = next((p for p in project.get("proposers", []) if p.get("is_lead")), None)
    return (
        project.get("title") == application.title
        and lead is not None
        and lead.get("lg_code") == application.lead_lg_code
    )


def _project_body(
    application: JointApplication, round_: JointReviewRound, programme: str
) -> Record:
    members: list[dict[str, Any]] = application.members
    return {
        "programme": programme,
        "title": application.title,
        "proposers": [{"lg_code": m["code"], "is_lead": m["is_lead"]} for m in members],
        "selection_fiscal_year": round_.fiscal_year,
        "summary": application.summary,
    }


async def selection_to_register(
    session: AsyncSession, *, selection_id: uuid.UUID
) -> JointSelection | None:
    """The selection, locked, unless it was made a registry project already."""
    selection = await selections.get_selection(session, selection_id, for_update=True)
    if selection is None or selection.registry_project_id is not None:
        return None
    return selection


async def register_project(
    session: AsyncSession, *, registry: RegistryClient, selection: JointSelection
) -> uuid.UUID:
    """Find the selection's registry project or create it, and record its id on the selection."""
    application = await applications.get_application(session, selection.application_id)
    round_ = await repository.get_round(session, selection.round_id)
    assert application is not None and round_ is not None  # foreign keys
    found = await projects(
        registry,
        programme=selection.programme_id,
        fiscal_year=round_.fiscal_year,
        q=application.title,
    )
    project = next((p for p in found if _same_project(p, application)), None)
    if project is None:
        project = await create_project(
            registry,
            _project_body(application, round_, selection.programme_id),
            key=f"joint-project:{selection.id}",
        )
    selection.registry_project_id = uuid.UUID(str(project["id"]))
    await selections.save(session, selection)
    await record(
        session,
        actor="system:review-worker",
        action="joint_review_selection.registered",
        subject_type="joint_review_selection",
        subject_id=selection.id,
        before={"registry_project_id": None},
        after={"registry_project_id": str(selection.registry_project_id)},
    )
    return selection.registry_project_id
