"""RSVP counts as operators read them, and a capacity change."""

from __future__ import annotations

import uuid
from typing import Annotated, get_args

from pydantic import BaseModel, Field

from libs.common.named_schema import Named
from services.notify import schema_examples as ex
from services.notify.rsvp.service import Answer

SYMPOSIUM = "台帳のシンポジウムID（the registry's symposium）"
# The page's form and the letter's links choose one of these; the router checks the choice itself
# so that a missing or other one is the page saying so (400, HTML), not a problem document.
RsvpChoice = Annotated[
    str,
    Named(
        "RsvpChoice",
        "出欠の選択（the answer chosen）: attend 出席する, decline 欠席する",
        enum=list(get_args(Answer)),
    ),
]


class RsvpSummary(BaseModel):
    symposium_id: uuid.UUID = Field(description=SYMPOSIUM, examples=[ex.SYMPOSIUM_ID])
    attending: int = Field(description="出席（answered attending）", examples=[118])
    waitlisted: int = Field(description="キャンセル待ち（waitlisted）", examples=[4])
    declined: int = Field(description="欠席（answered declining）", examples=[37])


class CapacityIn(BaseModel):
    """定員の変更; null: no limit (everyone waiting is promoted)."""

    capacity: int | None = Field(
        ge=1,
        le=100_000,
        description="定員（capacity: everyone answering 出席 counts, in the room or online; "
        "null: no limit, everyone waiting is promoted）",
        examples=[120],
    )
    force: bool = Field(
        default=False,
        description="出席者数を下回っても変更する（lower below the number attending anyway: "
        "nobody is bumped, new acceptances are waitlisted until attendance falls below the "
        "capacity）",
        examples=[False],
    )


class CapacityOut(BaseModel):
    symposium_id: uuid.UUID = Field(description=SYMPOSIUM, examples=[ex.SYMPOSIUM_ID])
    capacity: int | None = Field(
        description="変更後の定員（the new capacity; null: no limit）", examples=[120]
    )
    attending: int = Field(description="変更後の出席（attending after the change）", examples=[120])
    waitlisted: int = Field(
        description="変更後のキャンセル待ち（waitlisted after the change）", examples=[2]
    )
    promoted: list[uuid.UUID] = Field(
        description="繰り上げた回答（RSVPs moved from the waitlist to attending, in line order, "
        "each sent the promotion letter）",
        examples=[[ex.RSVP_ID, "d2f6b8a0-4c1e-4f3b-9a7d-8e5c2b0f6a14"]],
    )
    over_capacity: int = Field(
        description="定員超過の出席（attending beyond the capacity, forced: they keep their "
        "places）",
        examples=[0],
    )
