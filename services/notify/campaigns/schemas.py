"""案内キャンペーン as the API shows them: drafts with a preview, counts of deliveries by state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from libs.common.named_schema import Named
from services.notify.campaigns.audiences import Audience

CampaignKind = Annotated[
    Literal["invitation", "reminder", "update", "cancellation"],
    Named(
        "CampaignKind",
        "案内の種類（kind of letter）: invitation 開催案内, reminder リマインド, "
        "update 変更のお知らせ, cancellation 中止のお知らせ",
    ),
]
CampaignStatus = Annotated[
    Literal["draft", "sending", "done", "cancelled"],
    Named(
        "CampaignStatus",
        "キャンペーンの状態（campaign status）: draft 下書き, sending 送信中, done 送信済み, "
        "cancelled 取消",
    ),
]
# The audiences a campaign may name: which one a kind takes is checked by audiences.resolve, whose
# 422 lists what that kind takes (pydantic's would list all of them).
CampaignAudience = Annotated[
    str,
    Field(max_length=40),
    Named(
        "CampaignAudience",
        "宛先（who the letters go to; each kind takes its own, see `audience`）",
        enum=[a.value for a in Audience if a is not Audience.promoted],
    ),
]


class CampaignCreate(BaseModel):
    symposium_id: uuid.UUID = Field(examples=["4f0c2a52-9a57-4c3e-8c39-0b6c4b7f7a10"])
    kind: CampaignKind = Field(
        description="invitation 案内 / reminder リマインド / update 変更のお知らせ / "
        "cancellation 中止のお知らせ (the only kind a cancelled symposium allows)",
        examples=["invitation"],
    )
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="For a cancellation: why, as the letter says it; without it, the reason the "
        "registry kept when the symposium was cancelled (`cancellation_reason`)",
        examples=["講師の都合により"],
    )
    audience: CampaignAudience | None = Field(
        default=None,
        description="Who the letters go to (宛先); each kind takes its own, the first is the "
        "default: invitation `not_yet_invited` (everyone the first time, then only those no "
        "earlier invitation reached), `all` (everyone again) or `contacts` (only `contact_ids`); "
        "reminder `unanswered` (invited, no answer yet; waitlisted "
        "counts as answered) or `attending`; update and cancellation `not_declined` (invited, "
        "not declined). Any other value is a 422 listing what the kind takes.",
        examples=["unanswered"],
    )
    contact_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="With audience `contacts` (and only then): the registry contacts to invite",
    )


class Preview(BaseModel):
    """The first recipient's message exactly as it would be sent."""

    email: str = Field(examples=["hanako.chichibu@example.jp"])
    name: str = Field(examples=["秩父 花子"])
    subject: str = Field(
        examples=["【ご案内】令和3年度 第4回 未来技術実装ミニシンポジウム「共通の課題」"]
    )
    text: str
    html: str


class CampaignOut(BaseModel):
    id: uuid.UUID
    symposium_id: uuid.UUID
    kind: CampaignKind
    status: CampaignStatus = Field(description="draft → sending → done; a draft may be cancelled")
    sequence: int = Field(description="The symposium's sequence when the campaign was drafted")
    symposium: dict[str, Any] = Field(description="The symposium as the registry described it then")
    context: dict[str, Any] = Field(
        description="Letter context beyond the symposium: the audience it was written to "
        "(see `audience`), previous times of an update, reason of a cancellation",
        examples=[{"audience": "unanswered"}],
    )
    recipient_count: int = Field(examples=[412])
    counts: dict[str, int] = Field(
        description="Deliveries by state (queued, sending, sent, retrying, failed, bounced, "
        "suppressed)",
        examples=[{"queued": 0, "sent": 410, "bounced": 2}],
    )
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    completed_at: datetime | None
    version: int


class CampaignDraftOut(CampaignOut):
    preview: Preview | None = Field(description="Absent when nobody is left to write to")
