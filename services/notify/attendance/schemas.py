"""What the attendee list (出席者名簿) and the campaign report (キャンペーン報告) answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from libs.common.named_schema import Named

Answer = Annotated[
    Literal["attending", "waitlisted", "declined", "no_answer"],
    Named(
        "AttendeeAnswer",
        "出欠（an attendee's answer）: attending 出席, waitlisted キャンセル待ち, declined 欠席, "
        "no_answer 未回答",
    ),
]


class AttendeeOut(BaseModel):
    """One person invited to, or answering for, a symposium."""

    contact_id: uuid.UUID | None = Field(description="The registry contact")
    name: str
    email: str = Field(description="The address as written (the one the invitation went to)")
    rsvp: Answer = Field(
        description="attending 出席 / waitlisted キャンセル待ち / declined 欠席 / "
        "no_answer 未回答 (invited: an invitation delivery exists, but no answer)"
    )
    waitlist_position: int | None = Field(
        description="1 for the first in line; null unless waitlisted"
    )
    answered_at: datetime | None = Field(
        description="When the answer was last recorded or changed (a promotion included)"
    )
    delivery_state: str | None = Field(
        description="The state of the person's latest invitation delivery for the symposium "
        "(queued, sending, sent, retrying, failed, bounced, suppressed); null when they "
        "answered without one"
    )


class LeftOut(BaseModel):
    """Audience members the campaign has no delivery for, counted by why."""

    total: int
    by_reason: dict[str, int] = Field(
        description="unsubscribed / bounced (notify holds a suppression for the mailbox), "
        "invalid_address (the registry's address is not one mail can go to), "
        "invited_by_another_invitation (another invitation of the symposium, before or after "
        "this one, reached the mailbox), "
        "not_in_audience_at_draft (none of these: joined the audience, or changed address, "
        "after the draft)"
    )
    basis: str = Field(description="What it was compared with: the registry audience as it is now")


class Answers(BaseModel):
    """The campaign's recipients by their answer to the symposium."""

    attending: int
    waitlisted: int
    declined: int
    no_answer: int = Field(description="Sent, and not answered")


class CampaignReport(BaseModel):
    campaign_id: uuid.UUID
    symposium_id: uuid.UUID
    kind: str
    status: str
    audience: str | None
    invited: int = Field(description="Deliveries written (every state)")
    delivered: int = Field(description="sent")
    bounced: int
    failed: int
    suppressed: int = Field(description="Written, then never sent: suppressed before sending")
    pending: int = Field(description="queued, sending or retrying")
    deliveries: dict[str, int] = Field(description="Every delivery state, with its count")
    left_out: LeftOut | None = Field(
        description="Only for a campaign drawn from the registry audience (`all`, "
        "`not_yet_invited`); null for one drawn from the invited or from named contacts"
    )
    answers: Answers
