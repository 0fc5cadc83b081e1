"""Rounds of the joint review: creation (programmes checked against the registry), reading them as
each caller may see them; closing is in ``closing.py``, publication in ``publication.py``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.closed_days import deadline_on_open_day, next_open_day
from libs.common.errors import NotFound
from libs.common.etag import representation_etag
from libs.common.fiscal_year import fiscal_year_label
from libs.common.programmes import in_legend_order, legend_key, resolve_programme
from services.review.audit.service import audited
from services.review.joint_review.models import JointReviewRound, JointRoundProgramme
from services.review.joint_review.rounds import checks, repository
from services.review.joint_review.rounds.counts import Usage, selected_amount, selected_count
from services.review.joint_review.rounds.legend import round_programme
from services.review.joint_review.rounds.schemas import (
    RoundCreate,
    RoundOut,
    RoundProgrammeIn,
    RoundProgrammeOut,
)
from services.review.joint_review.states import ROUND, JointReviewEvent, JointRoundState
from services.review.joint_review.visibility import is_published, selection_usage
from services.review.registry_client import RegistryClient


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def round_etag(round_: JointReviewRound, out: RoundOut) -> str:
    """The ETag of the representation ``out`` of the round (one per representation)."""
    return representation_etag("joint-review-round", round_.id, out)


def default_title(fiscal_year: int) -> str:
    return f"{fiscal_year_label(fiscal_year)} スマートシティ関連事業 合同審査"


async def _checked_programmes(
    registry: RegistryClient, body: RoundCreate
) -> list[tuple[dict[str, Any], RoundProgrammeIn]]:
    """Each participating programme's registry record with its line of the body, in legend order
    (the round's programmes are listed so everywhere); or one 422 listing every broken rule."""
    known = {p["id"]: p for p in await registry.programmes()}
    ids = checks.checked_programme_ids(body, known)
    chosen = [
        (known[programme_id], item) for programme_id, item in zip(ids, body.programmes, strict=True)
    ]
    return sorted(chosen, key=lambda pair: legend_key(pair[0]["mark"], pair[0]["id"]))


async def create_round(
    session: AsyncSession, *, registry: RegistryClient, principal: Principal, body: RoundCreate
) -> JointReviewRound:
    chosen = await _checked_programmes(registry, body)
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
            round_programme(
                programme,
                body.fiscal_year,
                position=position,
                quota=item.quota,
                budget_yen=item.budget_yen,
            )
            for position, (programme, item) in enumerate(chosen)
        ],
    )
    async with audited(
        session,
        round_,
        kind="created",
        actor=principal,
        action="joint_review_round.opened",
        subject_type="joint_review_round",
        snapshot=_opened,
    ):
        await repository.insert(session, round_)
    return await get_round(session, round_id=round_.id)


def _opened(round_: JointReviewRound) -> dict[str, Any]:
    """A new round as its audit event records it: the year, the dates that bind, the programmes."""
    return {
        "fiscal_year": round_.fiscal_year,
        "deadline_effective_at": _iso(round_.deadline_effective_at),
        "announcement_effective_on": _iso(round_.announcement_effective_on),
        "programmes": [
            {"programme_id": p.programme_id, "quota": p.quota, "budget_yen": p.budget_yen}
            for p in round_.programmes
        ],
    }


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
    """A participating programme named by id or mark (the kernel's one parser)."""
    programme_id = resolve_programme(
        ref,
        [(p.programme_id, p.mark) for p in round_.programmes],
        field,
        rule="not_in_round",
        refusal="この回の参加事業ではありません",
    )
    return next(p for p in round_.programmes if p.programme_id == programme_id)


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
                ministry=p.ministry,
                bureau=p.bureau,
                name_note=p.name_note,
                quota=p.quota,
                budget_yen=p.budget_yen,
                selected=None if usage is None else selected_count(usage, p.programme_id),
                selected_amount_yen=None
                if usage is None
                else selected_amount(usage, p.programme_id),
            )
            for p in in_legend_order(round_.programmes, lambda p: p.mark)
        ],
        version=round_.version,
        created_at=round_.created_at,
    )
