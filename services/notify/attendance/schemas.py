"""What the attendee list (出席者名簿) and the campaign report (キャンペーン報告) answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.notify import schema_examples as ex
from services.notify.campaigns.schemas import CampaignKind
from services.notify.deliveries.schemas import DeliveryState

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

    contact_id: uuid.UUID | None = Field(
        description="連絡先ID（the registry contact; null when neither the answer nor the "
        "invitation named one）",
        examples=[ex.CONTACT_ID],
    )
    name: str = Field(
        description="氏名（as answered, else as the invitation was addressed）", examples=[ex.NAME]
    )
    email: str = Field(
        description="メールアドレス（the address as written, the one the invitation went to）",
        examples=[ex.EMAIL],
    )
    rsvp: Answer = Field(
        description="出欠（no_answer: an invitation delivery exists, but no answer）",
        examples=["waitlisted"],
    )
    waitlist_position: int | None = Field(
        description="キャンセル待ち順（1 for the first in line; null unless waitlisted）",
        examples=[2],
    )
    answered_at: TokyoDatetime | None = Field(
        description="回答日時（when the answer was last recorded or changed, a promotion "
        "included; null without an answer）",
        examples=[ex.ANSWERED_AT],
    )
    delivery_state: DeliveryState | None = Field(
        description="案内メールの状態（the state of the person's latest invitation delivery for "
        "the symposium; null when they answered without one）",
        examples=["sent"],
    )


class LeftOut(BaseModel):
    """Audience members the campaign has no delivery for, counted by why."""

    total: int = Field(description="送らなかった人数（audience members left out）", examples=[5])
    by_reason: dict[str, int] = Field(
        description="理由ごとの人数（by reason）: "
        "unsubscribed / bounced (notify holds a suppression for the mailbox), "
        "invalid_address (the registry's address is not one mail can go to), "
        "invited_by_another_invitation (another invitation of the symposium, before or after "
        "this one, reached the mailbox), "
        "not_in_audience_at_draft (none of these: joined the audience, or changed address, "
        "after the draft)",
        examples=[{"unsubscribed": 3, "bounced": 1, "not_in_audience_at_draft": 1}],
    )
    basis: str = Field(
        description="比較の基準（what it was compared with: the registry audience as it is now）",
        examples=["registry audience now (対象者の現在の一覧)"],
    )


class Answers(BaseModel):
    """The campaign's recipients by their answer to the symposium."""

    attending: int = Field(description="出席（attending）", examples=[118])
    waitlisted: int = Field(description="キャンセル待ち（waitlisted）", examples=[4])
    declined: int = Field(description="欠席（declined）", examples=[37])
    no_answer: int = Field(description="未回答（sent, and not answered）", examples=[251])


class CampaignReport(BaseModel):
    campaign_id: uuid.UUID = Field(
        description="キャンペーンID（campaign id）", examples=[ex.CAMPAIGN_ID]
    )
    symposium_id: uuid.UUID = Field(
        description="台帳のシンポジウムID（the registry's symposium）", examples=[ex.SYMPOSIUM_ID]
    )
    kind: CampaignKind = Field(description="案内の種類（kind of letter）", examples=["invitation"])
    status: str = Field(
        description="キャンペーンの状態（campaign status: draft, approved, sending, done or "
        "cancelled）",
        examples=["done"],
    )
    audience: str | None = Field(
        description="宛先（the audience it was written to, as `audience` in POST /v1/campaigns; "
        "`all` for an invitation drafted before the audience was kept, null for another kind "
        "drafted then）",
        examples=["not_yet_invited"],
    )
    invited: int = Field(
        description="書いた配信の数（deliveries written, every state）", examples=[412]
    )
    delivered: int = Field(description="送信済み（deliveries sent）", examples=[410])
    bounced: int = Field(description="不達（deliveries bounced）", examples=[2])
    failed: int = Field(description="送信失敗（deliveries failed）", examples=[0])
    suppressed: int = Field(
        description="配信停止中のため送信せず（written, then never sent: suppressed before "
        "sending）",
        examples=[0],
    )
    pending: int = Field(
        description="送信待ち・送信中・再送待ち（queued, sending or retrying）", examples=[0]
    )
    deliveries: dict[str, int] = Field(
        description="配信の状態ごとの件数（every delivery state, with its count, zeros included）",
        examples=[
            {
                "queued": 0,
                "sending": 0,
                "sent": 410,
                "retrying": 0,
                "failed": 0,
                "bounced": 2,
                "suppressed": 0,
            }
        ],
    )
    left_out: LeftOut | None = Field(
        description="宛先から外れた人（only for a campaign drawn from the registry audience, "
        "`all` or `not_yet_invited`; null for one drawn from the invited or from named "
        "contacts）"
    )
    answers: Answers = Field(
        description="宛先の出欠（the campaign's recipients by their answer to the symposium）"
    )
