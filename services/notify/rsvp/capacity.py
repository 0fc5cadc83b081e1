"""定員の変更 — a capacity change that acts, in the transaction that makes it.

Raising it promotes the first in line at once (each with the promotion letter, the same path as a
decline's promotion). Lowering it below the number attending is refused unless forced; forced,
nobody is bumped: everyone already told 「ご出席を承りました」 keeps the place, and new acceptances
are waitlisted until attendance falls below the new capacity. An organiser who lowers a room's
size expects not to have to explain to confirmed attendees why their place was taken away; taking
places back by mail is a decision a person should make, one by one.

The registry keeps the one capacity (its symposium's ``capacity``, which every reader sees); notify
is the only writer after creation, because only notify knows who is attending. Under the answers'
lock notify checks attendance, sets the registry's value, then promotes, all before its own commit.
Should notify's commit fail after the registry's write, the registry holds the new capacity and
nobody is promoted yet: the next answer fills free places first (``rsvp.service.answer``), and the
same PUT again (it is idempotent) promotes at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, FieldProblem
from services.notify.registry_client import RegistryClient
from services.notify.rsvp import repository
from services.notify.rsvp.service import fill_from_waitlist


@dataclass(frozen=True)
class CapacityChange:
    """What the change did, and to whom."""

    capacity: int | None
    attending: int
    waitlisted: int
    promoted: list[uuid.UUID]  # the answers moved from the waitlist to attending, in line order
    over_capacity: int  # attending beyond the new capacity (forced): they keep their places


async def change_capacity(
    session: AsyncSession,
    registry: RegistryClient,
    *,
    symposium_id: uuid.UUID,
    capacity: int | None,
    force: bool,
) -> CapacityChange:
    symposium = await registry.symposium(symposium_id)
    if symposium.get("status") == "cancelled":  # a promotion letter would invite to nothing
        raise Conflict(
            "中止されたシンポジウムの定員は変更できません（the symposium is cancelled）",
            errors=[FieldProblem(field="path.symposium_id", rule="cancelled", message="中止")],
        )
    await repository.lock_symposium(session, symposium_id)  # as every answer: no race
    attending = await repository.count(session, symposium_id, "attending")
    if capacity is not None and capacity < attending and not force:
        message = (
            f"出席者が{attending}名いるため、定員を{capacity}名にはできません"
            f"（{attending} attending: capacity {capacity} is below; send force: true to "
            "keep them all and waitlist new acceptances）"
        )
        rule = FieldProblem(field="body.capacity", rule="capacity_below_attending", message=message)
        raise Conflict(message, errors=[rule], attending=attending, capacity=capacity)
    symposium = await registry.set_capacity(symposium_id, capacity)
    promoted = await fill_from_waitlist(session, symposium, capacity)
    attending = await repository.count(session, symposium_id, "attending")
    return CapacityChange(
        capacity=capacity,
        attending=attending,
        waitlisted=await repository.count(session, symposium_id, "waitlisted"),
        promoted=promoted,
        over_capacity=max(0, attending - capacity) if capacity is not None else 0,
    )
