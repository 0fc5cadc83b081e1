"""案内キャンペーン as the API shows them: drafts with a preview, counts of deliveries by state."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.notify import schema_examples as ex
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
    symposium_id: uuid.UUID = Field(
        description="台帳のシンポジウムID（the registry's symposium the letters are about）",
        examples=[ex.SYMPOSIUM_ID],
    )
    kind: CampaignKind = Field(
        description="案内の種類（kind of letter; a cancelled symposium allows only "
        "`cancellation`, and `cancellation` only a cancelled symposium）",
        examples=["invitation"],
    )
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="中止理由（for a cancellation: why, as the letter says it; without it, the "
        "reason the registry kept when the symposium was cancelled, `cancellation_reason`）",
        examples=["講師の都合により"],
    )
    audience: CampaignAudience | None = Field(
        default=None,
        description="宛先（who the letters go to）; each kind takes its own, the first is the "
        "default: invitation `not_yet_invited` (everyone the first time, then only those no "
        "earlier invitation reached), `all` (everyone again) or `contacts` (only `contact_ids`); "
        "reminder `unanswered` (invited, no answer yet; waitlisted "
        "counts as answered) or `attending`; update and cancellation `not_declined` (invited, "
        "not declined). Any other value is a 422 listing what the kind takes.",
        examples=["not_yet_invited"],
    )
    contact_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="宛先の連絡先（with audience `contacts`, and only then: the registry contacts "
        "to invite, in the symposium's audience or not; each unknown id is named in one 422）",
        examples=[[ex.CONTACT_ID]],
    )


class Preview(BaseModel):
    """The first recipient's message exactly as it would be sent."""

    email: str = Field(
        description="宛先メールアドレス（the first recipient's address, as written）",
        examples=[ex.EMAIL],
    )
    name: str = Field(description="宛名（the first recipient's name）", examples=[ex.NAME])
    subject: str = Field(description="件名（subject）", examples=[ex.SUBJECT])
    text: str = Field(description="本文（the plain-text part, whole）", examples=[ex.TEXT])
    html: str = Field(description="本文 HTML（the HTML part, whole）", examples=[ex.HTML])


def _as_a_draft(schema: dict[str, Any]) -> None:
    # The draft's example is a campaign nobody has approved yet, not the sent one it inherits.
    properties = schema["properties"]
    properties["status"]["examples"] = ["draft"]
    properties["counts"]["examples"] = [{"queued": 412}]
    properties["version"]["examples"] = [1]
    for field in ("approved_by", "approved_at", "completed_at"):
        properties[field]["examples"] = [None]


class CampaignOut(BaseModel):
    id: uuid.UUID = Field(description="キャンペーンID（campaign id）", examples=[ex.CAMPAIGN_ID])
    symposium_id: uuid.UUID = Field(
        description="台帳のシンポジウムID（the registry's symposium）", examples=[ex.SYMPOSIUM_ID]
    )
    kind: CampaignKind = Field(description="案内の種類（kind of letter）", examples=["invitation"])
    status: CampaignStatus = Field(
        description="キャンペーンの状態（status: draft → sending → done; a draft may be "
        "cancelled）",
        examples=["done"],
    )
    sequence: int = Field(
        description="下書き時のシンポジウムの改訂番号（the symposium's `sequence` when the "
        "campaign was drafted; an approval refuses a draft the symposium has moved past）",
        examples=[0],
    )
    symposium: dict[str, Any] = Field(
        description="下書き時のシンポジウム（the symposium as the registry described it then）",
        examples=[ex.SYMPOSIUM],
    )
    context: dict[str, Any] = Field(
        description="書面の文脈（letter context beyond the symposium: the audience it was "
        "written to, see `audience`; the previous times of an update; the reason of a "
        "cancellation）",
        examples=[{"audience": "not_yet_invited"}],
    )
    recipient_count: int = Field(
        description="宛先の数（recipients written to when the campaign was drafted）",
        examples=[412],
    )
    counts: dict[str, int] = Field(
        description="配信の状態ごとの件数（deliveries by state: queued, sending, sent, retrying, "
        "failed, bounced, suppressed; a state without deliveries is absent）",
        examples=[{"sent": 410, "bounced": 2}],
    )
    created_by: str = Field(
        description="下書きした人（who drafted it: an operator, or `system:reminders` for the "
        "reminder run）",
        examples=[ex.OPERATOR],
    )
    created_at: TokyoDatetime = Field(
        description="下書き日時（drafted at）", examples=[ex.DRAFTED_AT]
    )
    approved_by: str | None = Field(
        description="承認した人（who approved it; null while a draft）", examples=[ex.OPERATOR]
    )
    approved_at: TokyoDatetime | None = Field(
        description="承認日時（approved at; null while a draft）", examples=[ex.APPROVED_AT]
    )
    completed_at: TokyoDatetime | None = Field(
        description="送信完了日時（when no delivery was left to send; null until then）",
        examples=[ex.COMPLETED_AT],
    )
    version: int = Field(
        description="版（the row's version, raised by every change: the `ETag` `If-Match` names）",
        examples=[2],
    )


class CampaignDraftOut(CampaignOut):
    model_config = ConfigDict(json_schema_extra=_as_a_draft)

    preview: Preview | None = Field(
        description="最初の宛先への書面（the first recipient's letter as it would be sent; "
        "null when nobody is left to write to）"
    )
