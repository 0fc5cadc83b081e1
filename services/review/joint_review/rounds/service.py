"""Rounds of the joint review: creation (programmes checked against the registry), reading them as
each caller may see them, and closing; publication is in ``publication.py``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.closed_days import deadline_on_open_day, next_open_day
from libs.common.errors import InvalidInput, NotFound
from libs.common.etag import check_if_match, representation_etag
from libs.common.fiscal_year import fiscal_year_label, now_tokyo
from services.review.joint_review.models import JointReviewRound, JointRoundProgramme
from services.review.joint_review.rounds import publication, repository
from services.review.joint_review.rounds.schemas import RoundCreate, RoundOut, RoundProgrammeOut
from services.review.joint_review.selections import repository as selections
from services.review.joint_review.states import ROUND, JointReviewEvent, JointRoundState
from services.review.joint_review.visibility import Usage, is_published, selection_usage
from services.review.registry_client import RegistryClient


def round_etag(round_: JointReviewRound, out: RoundOut) -> str:
    """The ETag of the representation ``out`` of the round (one per representation)."""
    return representation_etag("joint-review-round", round_.id, out)


def default_title(fiscal_year: int) -> str:
    return f"{fiscal_year_label(fiscal_year)} スマートシティ関連事業 合同審査"


async def _known_programmes(registry: RegistryClient, body: RoundCreate) -> dict[str, Any]:
    """The registry's programmes by id; 422 naming the first participating one it lacks."""
    known = {p["id"]: p for p in await registry.programmes()}
    for index, item in enumerate(body.programmes):
        if item.programme_id not in known:
            raise InvalidInput.field(
                f"body.programmes.{index}.programme_id",
                "unknown_programme",
                f"台帳に事業がありません: {item.programme_id!r}"
                f"（not in the registry's /v1/programmes: {', '.join(sorted(known))}）",
            )
    return known


async def create_round(
    session: AsyncSession, *, registry: RegistryClient, principal: Principal, body: RoundCreate
) -> JointReviewRound:
    known = await _known_programmes(registry, body)
    round_ = JointReviewRound(
        id=uuid.uuid4(),
        fiscal_year=body.fiscal_year,
        title=body.title or default_title(body.fiscal_year),
        status=JointRoundState.open,
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
    await repository.insert(session, round_)
    return await get_round(session, round_id=round_.id)


async def get_round(
    session: AsyncSession, *, round_id: uuid.UUID, for_update: bool = False
) -> JointReviewRound:
    round_ = await repository.get_round(session, round_id, for_update=for_update)
    if round_ is None:
        raise NotFound(f"合同審査の回がありません（no joint review round {round_id}）")
    return round_


async def list_rounds(
    session: AsyncSession, *, fiscal_year: int | None, after: list[Any] | None, limit: int
) -> list[JointReviewRound]:
    """Newest fiscal year first; every caller may list rounds (``round_view`` hides the rest)."""
    return await repository.list_rounds(session, fiscal_year=fiscal_year, after=after, limit=limit)


def fire(round_: JointReviewRound, event: JointReviewEvent) -> JointRoundState:
    """The round's state after ``event``, or the one 409 (rule ``state_transition``)."""
    return ROUND.fire(round_.state, event)


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
    session: AsyncSession, *, principal: Principal, round_: JointReviewRound, today: date
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
        status="open" if round_.status == JointRoundState.open else "closed",
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
    round_ = await get_round(session, round_id=round_id, for_update=True)
    now = now or now_tokyo()
    # Only operators close, and they are shown the selections: theirs is the representation read.
    read = round_out(round_, now.date(), await selections.programme_usage(session, round_id))
    check_if_match(if_match, round_etag(round_, read))
    round_.status = fire(round_, JointReviewEvent.close)
    round_.closed_at = now
    if round_.announcement_effective_on is not None and round_.announcement_effective_on <= (
        now.date()
    ):
        await publication.publish(session, round_=round_, now=now)
    await repository.save(session, round_)
    return round_
