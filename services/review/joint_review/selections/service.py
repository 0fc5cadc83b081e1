"""選定 — each programme selects applications to it, within its quota (件数) and budget (予算),
while the round is open; both the round's and the application's machines must allow it."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import Change
from libs.common.auth import Principal
from libs.common.errors import InvalidInput, NotFound, RuleViolation
from libs.common.programmes import legend_position
from services.review.audit.service import audited
from services.review.joint_review.applications import repository as applications
from services.review.joint_review.models import (
    JointApplication,
    JointRoundProgramme,
    JointSelection,
)
from services.review.joint_review.rounds.service import fire, get_round, programme_of
from services.review.joint_review.selections import repository
from services.review.joint_review.selections.schemas import SelectionIn, SelectionOut
from services.review.joint_review.states import (
    APPLICATION,
    JointApplicationState,
    JointReviewEvent,
)


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
    application = await applications.get_application(session, app_id)
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
            f"この申請は {programme_id} に申請されていません"
            "（the application did not apply to it）",
        )
    return application


def state_in_programme(selection: JointSelection | None) -> JointApplicationState:
    """An application's state in one programme: selected while that programme's selection exists."""
    return JointApplicationState.applied if selection is None else JointApplicationState.selected


async def select(
    session: AsyncSession, *, principal: Principal, round_id: uuid.UUID, body: SelectionIn
) -> JointSelection:
    round_ = await get_round(session, round_id=round_id)
    fire(round_, JointReviewEvent.select)
    programme_id = programme_of(round_, body.programme, "body.programme").programme_id
    # Locking the programme's row serialises its selections: two at once cannot both fit.
    programme = await repository.lock_round_programme(session, round_id, programme_id)
    assert programme is not None  # programme_of found it in the same round
    application = await _application_of(session, round_id, body.application_id, programme_id)
    existing = await repository.find_selection(session, application.id, programme_id)
    APPLICATION.fire(state_in_programme(existing), JointReviewEvent.select)
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
    # Audited like every change; the trail is operators' alone, so the embargo holds.
    async with _audited(session, principal, "joint_review_selection.selected", selection):
        await repository.insert(session, selection)
    return selection


async def withdraw(
    session: AsyncSession, *, principal: Principal, round_id: uuid.UUID, selection_id: uuid.UUID
) -> None:
    """A selection may be taken back while the round is open."""
    fire(await get_round(session, round_id=round_id), JointReviewEvent.withdraw_selection)
    selection = await repository.get_selection(session, selection_id, for_update=True)
    if selection is None or selection.round_id != round_id:
        raise NotFound(f"選定がありません（no selection {selection_id} in this round）")
    APPLICATION.fire(state_in_programme(selection), JointReviewEvent.withdraw_selection)
    async with _audited(session, principal, "joint_review_selection.withdrawn", selection):
        await repository.delete(session, selection)


def _audited(
    session: AsyncSession, principal: Principal, action: str, selection: JointSelection
) -> AbstractAsyncContextManager[Change]:
    """A selection made (created) or taken back (removed), in the audit trail."""
    return audited(
        session,
        selection,
        kind="created" if action.endswith(".selected") else "removed",
        actor=principal,
        action=action,
        subject_type="joint_review_selection",
        snapshot=lambda s: {
            "round_id": str(s.round_id),
            "application_id": str(s.application_id),
            "programme_id": s.programme_id,
            "amount_yen": s.amount_yen,
        },
    )


async def list_selections(
    session: AsyncSession,
    *,
    round_id: uuid.UUID,
    programme: str | None,
    after: list[Any] | None,
    limit: int,
) -> list[JointSelection]:
    """A page of the round's selections in legend order, of one programme (id or mark) if named."""
    round_ = await get_round(session, round_id=round_id)
    programme_id = (
        programme_of(round_, programme, "query.programme").programme_id if programme else None
    )
    return await repository.page_of_round(
        session,
        round_id,
        programme_id=programme_id,
        after=(after[0], after[1], after[2]) if after else None,
        limit=limit,
    )


def cursor_key(selection: JointSelection) -> list[Any]:
    """The sort key a page's ``next`` cursor continues after (see ``repository.page_of_round``)."""
    return [legend_position(selection.mark), selection.created_at, selection.id]


def to_out(selection: JointSelection) -> SelectionOut:
    return SelectionOut.model_validate(selection, from_attributes=True)
