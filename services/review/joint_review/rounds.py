"""Rounds of the joint review: creation (programmes checked against the registry), closing, and
publication at the announcement, which is when selections start to leave the review service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.closed_days import deadline_on_open_day, next_open_day
from libs.common.errors import Conflict, InvalidInput, NotFound
from libs.common.etag import check_if_match, representation_etag
from libs.common.fiscal_year import fiscal_year_label, now_tokyo
from libs.common.outbox import add_message
from services.review.joint_review import repository
from services.review.joint_review.models import (
    JointApplication,
    JointReviewRound,
    JointRoundProgramme,
)
from services.review.joint_review.schemas import RoundCreate, RoundOut, RoundProgrammeOut
from services.review.joint_review.visibility import (
    CLOSED,
    Usage,
    is_published,
    selection_usage,
)
from services.review.models import outbox
from services.review.registry_client import RegistryClient

OPEN = "open"
# The Cabinet Office programme (内閣府 未来技術社会実装事業): the registry's projects are its
# selections, so its selected regions become registry projects and its earlier projects count
# as earlier-year marks.
FUTURE_TECH_MARK = "☆"


def round_etag(round_: JointReviewRound, out: RoundOut) -> str:
    """The ETag of the representation ``out`` of the round (one per representation)."""
    return representation_etag("joint-review-round", round_.id, out)


def default_title(fiscal_year: int) -> str:
    return f"{fiscal_year_label(fiscal_year)} スマートシティ関連事業 合同審査"


async def create_round(
    session: AsyncSession, *, registry: RegistryClient, principal: Principal, body: RoundCreate
) -> JointReviewRound:
    known = {p["id"]: p for p in await registry.programmes()}
    for index, item in enumerate(body.programmes):
        if item.programme_id not in known:
            raise InvalidInput.field(
                f"body.programmes.{index}.programme_id",
                "unknown_programme",
                f"台帳に事業がありません: {item.programme_id!r}"
                f"（not in the registry's /v1/programmes: {', '.join(sorted(known))}）",
            )
    round_ = JointReviewRound(
        id=uuid.uuid4(),
        fiscal_year=body.fiscal_year,
        title=body.title or default_title(body.fiscal_year),
        status=OPEN,
        imported=False,
        source="",
        call_opens_on=body.call_opens_on,
        deadline_at=body.deadline_at,
        deadline_effective_at=deadline_on_open_day(body.deadline_at),
        review_due_on=body.review_due_on,
        review_due_effective_on=next_open_day(body.review_due_on),
        announcement_on=body.announcement_on,
        announcement_effective_on=next_open_day(body.announcement_on),
        created_by=principal.actor,
        programmes=[
            JointRoundProgramme(
                programme_id=item.programme_id,
                mark=known[item.programme_id]["mark"],
                name=known[item.programme_id]["name"],
                position=position,
                quota=item.quota,
                budget_yen=item.budget_yen,
            )
            for position, item in enumerate(body.programmes)
        ],
    )
    session.add(round_)
    await session.flush()
    return round_


async def get_round(
    session: AsyncSession, round_id: uuid.UUID, *, for_update: bool = False
) -> JointReviewRound:
    round_ = await repository.get_round(session, round_id, for_update=for_update)
    if round_ is None:
        raise NotFound(f"合同審査の回がありません（no joint review round {round_id}）")
    return round_


def require_open(round_: JointReviewRound) -> None:
    if round_.status != OPEN:
        raise Conflict(
            "この回は締め切られています（the round is closed: selections are final）",
            round_status=round_.status,
        )


def programme_of(round_: JointReviewRound, ref: str, field: str) -> JointRoundProgramme:
    """A participating programme named by id or mark."""
    for programme in round_.programmes:
        if ref in (programme.programme_id, programme.mark):
            return programme
    names = ", ".join(f"{p.programme_id} ({p.mark})" for p in round_.programmes)
    raise InvalidInput.field(
        field,
        "not_in_round",
        f"この回の参加事業ではありません: {ref!r}（the round's programmes: {names}）",
    )


async def round_view(
    session: AsyncSession, principal: Principal, round_: JointReviewRound, today: date
) -> tuple[RoundOut, str]:
    """The round as this caller may see it, and that representation's ETag."""
    out = round_out(round_, today, await selection_usage(session, principal, round_, today))
    return out, round_etag(round_, out)


def round_out(round_: JointReviewRound, today: date, usage: Usage | None) -> RoundOut:
    """``usage`` None (embargo): the selection counts and amounts are null."""
    return RoundOut(
        id=round_.id,
        fiscal_year=round_.fiscal_year,
        fiscal_year_label=fiscal_year_label(round_.fiscal_year),
        title=round_.title,
        status="open" if round_.status == OPEN else "closed",
        imported=round_.imported,
        published=is_published(round_, today),
        call_opens_on=round_.call_opens_on,
        deadline_at=round_.deadline_at,
        deadline_effective_at=round_.deadline_effective_at,
        review_due_on=round_.review_due_on,
        review_due_effective_on=round_.review_due_effective_on,
        announcement_on=round_.announcement_on,
        announcement_effective_on=round_.announcement_effective_on,
        closed_at=round_.closed_at,
        published_at=round_.published_at,
        programmes=[
            RoundProgrammeOut(
                programme_id=p.programme_id,
                mark=p.mark,
                name=p.name,
                quota=p.quota,
                budget_yen=p.budget_yen,
                selected=None if usage is None else usage.get(p.programme_id, (0, 0))[0],
                selected_amount_yen=None if usage is None else usage.get(p.programme_id, (0, 0))[1],
            )
            for p in round_.programmes
        ],
        version=round_.version,
        created_at=round_.created_at,
    )


async def close_round(
    session: AsyncSession, *, round_id: uuid.UUID, if_match: str | None, now: datetime | None = None
) -> JointReviewRound:
    """Selections become final; if the announcement day has already come, results publish now."""
    round_ = await get_round(session, round_id, for_update=True)
    now = now or now_tokyo()
    # Only operators close, and they are shown the selections: theirs is the representation read.
    read = round_out(round_, now.date(), await repository.programme_usage(session, round_id))
    check_if_match(if_match, round_etag(round_, read))
    require_open(round_)
    round_.status = CLOSED
    round_.closed_at = now
    if round_.announcement_effective_on is not None and round_.announcement_effective_on <= (
        now.date()
    ):
        await publish(session, round_, now)
    await session.flush()
    return round_


async def publish(session: AsyncSession, round_: JointReviewRound, now: datetime) -> None:
    """Results become public: ☆ selections go to the registry, applicants get their result."""
    round_.published_at = now
    selections = await repository.selections_of_round(session, round_.id)
    for selection in selections:
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
    for selection in selections:
        selected.setdefault(selection.application_id, []).append(names[selection.programme_id])
    for application in await repository.applications_of_round(session, round_.id):
        if application.contact_email:
            await _notify_result(session, round_, application, selected.get(application.id, []))


async def _notify_result(
    session: AsyncSession,
    round_: JointReviewRound,
    application: JointApplication,
    programmes: list[str],
) -> None:
    context: dict[str, Any] = {
        "fiscal_year_label": fiscal_year_label(round_.fiscal_year),
        "region": application.region_label,
        "result": "selected" if programmes else "not_selected",
        "programmes": programmes,
        "note": application.title,
    }
    await add_message(
        session,
        outbox,
        queue="notify",
        function="send_transactional",
        payload={
            "kind": "joint_review_result",
            "dedupe_key": f"joint-review-result:{application.id}",
            "context": context,
            "recipients": [
                {
                    "name": application.contact_name or "",
                    "email": application.contact_email,
                    "contact_id": None,
                }
            ],
        },
    )


async def publish_due(session: AsyncSession, as_of: date, now: datetime) -> int:
    """The sweep: publish every closed round whose announcement day has come. Idempotent."""
    rounds = await repository.rounds_to_publish(session, as_of)
    for round_ in rounds:
        await publish(session, round_, now)
    return len(rounds)
