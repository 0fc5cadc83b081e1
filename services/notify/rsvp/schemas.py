"""RSVP counts as operators read them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class RsvpSummary(BaseModel):
    symposium_id: uuid.UUID
    attending: int = Field(description="出席", examples=[118])
    waitlisted: int = Field(description="キャンセル待ち", examples=[4])
    declined: int = Field(description="欠席", examples=[37])
