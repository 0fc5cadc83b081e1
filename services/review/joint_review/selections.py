"""選定 — each programme selects applications to it, within its quota (件数) and budget (予算)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, InvalidInput, NotFound, RuleViolation
from services.review.joint_review import repository
from services.review.joint_review.models import (
    JointApplication,
    JointRoundProgramme,
    JointSelection,
)
from services.review.joint_review.rounds import get_round, programme_of, require_open
from services.review.joint_review.schemas import SelectionIn, SelectionOut


def _check_room(programme: JointRoundProgramme, used: tuple[int, int], amount_yen: int) -> None:
    count, spent = used
    if programme.quota is not None and count + 1 > programme.quota:
        raise RuleViolation(
            f"{programme.name}の選定数は{programme.quota}件までです（選定済み {count}件）"
            f" — the programme's quota is {programme.quota}",
            rule="programme_quota",
            programme=programme.programme_id,
            quota=programme.quota,
            selected=count,
        )
    if programme.budget_yen is not None and spent + amount_yen > programme.budget_yen:
        raise RuleViolation(
            f"{programme.name}の予算 {programme.budget_yen:,}円 を超えます"
            f"（選定済み {spent:,}円 + 申請 {amount_yen:,}円）"
            f" — the selection would exceed the programme's budget",
            rule="programme_budget",
            programme=programme.programme_id,
            budget_yen=programme.budget_yen,
            selected_yen=spent,
            requested_yen=amount_yen,
        )


async def _application_of(
    session: AsyncSession, round_id: uuid.UUID, app_id: uuid.UUID, programme_id: str
) -> JointApplication:
    application = await repository.get_application(session, app_id)
    if application is None or application.round_id != round_id:
        raise InvalidInput.field(
            "body.application_id",
            "unknown",
            f"この回の申請ではありません（no application {app_id}）",
        )
    if programme_id not in application.programme_ids:
        raise InvalidInput.field(
            "body.application_id",
            "not_applied",
            f"この申請は {programme_id} に申請されていません（the application did not apply to it）",
        )
    return application


async def select(
    session: AsyncSession, *, principal: Principal, round_id: uuid.UUID, body: SelectionIn
) -> JointSelection:
    round_ = await get_round(session, round_id)
    require_open(round_)
    programme_id = programme_of(round_, body.programme, "body.programme").programme_id
    # Locking the programme's row serialises its selections: two at once cannot both fit.
    programme = await repository.lock_round_programme(session, round_id, programme_id)
    assert programme is not None  # programme_of found it in the same round
    application = await _application_of(session, round_id, body.application_id, programme_id)
    if await repository.find_selection(session, application.id, programme_id) is not None:
        raise Conflict(
            "既に選定されています（the programme already selected this application）",
            programme=programme_id,
            application_id=str(application.id),
        )
    used = (await repository.programme_usage(session, round_id)).get(programme_id, (0, 0))
    _check_room(programme, used, application.round_year_amount_yen)
    selection = JointSelection(
        id=uuid.uuid4(),
        round_id=round_id,
        application_id=application.id,
        programme_id=programme_id,
        mark=programme.mark,
        amount_yen=application.round_year_amount_yen,
        selected_by=principal.actor,
    )
    session.add(selection)
    await session.flush()
    await session.refresh(selection)
    return selection


async def withdraw(session: AsyncSession, *, round_id: uuid.UUID, selection_id: uuid.UUID) -> None:
    """A selection may be taken back while the round is open."""
    require_open(await get_round(session, round_id))
    selection = await repository.get_selection(session, selection_id, for_update=True)
    if selection is None or selection.round_id != round_id:
        raise NotFound(f"選定がありません（no selection {selection_id} in this round）")
    await session.delete(selection)
    await session.flush()


async def list_selections(session: AsyncSession, round_id: uuid.UUID) -> list[JointSelection]:
    await get_round(session, round_id)
    return await repository.selections_of_round(session, round_id)


def to_out(selection: JointSelection) -> SelectionOut:
    return SelectionOut.model_validate(selection, from_attributes=True)
