"""RSVP counts as operators read them, and a capacity change."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class RsvpSummary(BaseModel):
    symposium_id: uuid.UUID
    attending: int = Field(description="出席", examples=[118])
    waitlisted: int = Field(description="キャンセル待ち", examples=[4])
    declined: int = Field(description="欠席", examples=[37])


class CapacityIn(BaseModel):
    """定員の変更; null: no limit (everyone waiting is promoted)."""

    capacity: int | None = Field(ge=1, le=100_000, examples=[120])
    force: bool = Field(
        default=False,
        description="Lower below the number attending anyway: nobody is bumped, new acceptances "
        "are waitlisted until attendance falls below the capacity",
    )


class CapacityOut(BaseModel):
    symposium_id: uuid.UUID
    capacity: int | None
    attending: int = Field(description="出席 after the change")
    waitlisted: int = Field(description="キャンセル待ち after the change")
    promoted: list[uuid.UUID] = Field(
        description="RSVPs moved from the waitlist to attending, each sent the promotion letter"
    )
    over_capacity: int = Field(
        description="Attending beyond the capacity (forced): they keep their places"
    )
