"""未来技術実装ミニシンポジウム as the API shows it, and the audience notify invites."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import TOKYO, fiscal_year_label
from libs.common.japanese_input import FiscalYearIn, TokyoDatetime
from libs.common.named_schema import Named
from libs.common.omittable import Omittable
from services.registry.contacts.schemas import (
    CATEGORY_FIELD_HELP,
    CATEGORY_HELP,
    CONTACT_ID_HELP,
    NAME_HELP,
    ORGANISATION_HELP,
    OWNER_HELP,
    STAKEHOLDER_CATEGORIES,
    StakeholderCategory,
)

if TYPE_CHECKING:
    from services.registry.symposia.models import Symposium

SymposiumFormat = Annotated[
    Literal["web", "in_person", "hybrid"],
    Named(
        "SymposiumFormat",
        "開催形式（format）: web オンライン, in_person 会場, hybrid 会場とオンラインの併用",
    ),
]
SymposiumStatus = Annotated[
    Literal["scheduled", "held", "cancelled"],
    Named(
        "SymposiumStatus",
        "シンポジウムの状態（status）: scheduled 開催予定, held 開催済み, cancelled 中止",
    ),
]
VENUE_HELP = (
    "会場（venue）: where an in_person or hybrid session is held (address and room), the "
    "calendar's LOCATION; notify refuses to invite to one without it. A change raises `sequence`"
)
FORMAT_HELP = (
    "開催形式（format）: web / in_person / hybrid; null when not stated (the seed states none for "
    "FY2020's sessions)"
)
STATUS_HELP = (
    "状態（status）: scheduled 開催予定, held 開催済み (its end has passed), cancelled 中止"
)
SYMPOSIUM_ID_HELP = "シンポジウムのID（symposium id）"
FISCAL_YEAR_HELP = "開催年度（fiscal year of the session）"
NUMBER_HELP = "第N回（number of the session within its fiscal year）"
THEME_HELP = "テーマ（theme）"
AUDIENCE_HELP = "参加対象者（the stakeholder categories invited）: " + CATEGORY_HELP
CAPACITY_HELP = "定員（capacity）; null: no limit"
TENTATIVE_HELP = "日程は予定（tentative: the date is not final）"
JOIN_URL_HELP = "参加URL（join URL of the web session）"

_TIME_HELP = "ISO 8601; a time without an offset is taken as Japan time (JST, +09:00)"
STARTS_AT_HELP = "開始日時（start）: " + _TIME_HELP
ENDS_AT_HELP = "終了日時（end）: " + _TIME_HELP
_STARTS_AT_EXAMPLE = "2022-02-17T13:30:00+09:00"
_ENDS_AT_EXAMPLE = "2022-02-17T15:00:00+09:00"
_JOIN_URL_EXAMPLE = "https://meet.example.jp/abc"


class SymposiumCreate(BaseModel):
    fiscal_year: FiscalYearIn = Field(
        description=FISCAL_YEAR_HELP + " in any accepted form: 2021, R3, 令和3年度, H30 …",
        examples=["令和3年度"],
    )
    number: int = Field(ge=1, le=99, description=NUMBER_HELP, examples=[4])
    theme: str = Field(
        min_length=1, max_length=200, description=THEME_HELP, examples=["共通の課題"]
    )
    starts_at: TokyoDatetime = Field(description=STARTS_AT_HELP, examples=[_STARTS_AT_EXAMPLE])
    ends_at: TokyoDatetime = Field(description=ENDS_AT_HELP, examples=[_ENDS_AT_EXAMPLE])
    format: SymposiumFormat | None = Field(default="web", description=FORMAT_HELP, examples=["web"])
    join_url: AnyHttpUrl | None = Field(
        default=None, description=JOIN_URL_HELP, examples=[_JOIN_URL_EXAMPLE]
    )
    venue: str | None = Field(
        default=None, min_length=1, max_length=300, description=VENUE_HELP, examples=[None]
    )
    audience: list[StakeholderCategory] = Field(
        min_length=1,
        max_length=len(STAKEHOLDER_CATEGORIES),
        description=AUDIENCE_HELP,
        examples=[["local_government"]],
    )
    capacity: int | None = Field(
        default=None, ge=1, le=100_000, description=CAPACITY_HELP, examples=[300]
    )
    tentative: bool = Field(default=False, description=TENTATIVE_HELP, examples=[True])


class SymposiumUpdate(BaseModel):
    """Fields left out are unchanged; an unknown one is refused. ``format``, ``join_url`` and
    ``venue`` may be cleared with null, the others not. ``capacity`` is refused by name: notify
    changes it (``PUT /v1/symposia/{id}/capacity`` there), because only notify knows who is
    attending."""

    model_config = ConfigDict(extra="forbid")

    theme: Omittable[str] = Field(
        default=None, min_length=1, max_length=200, description=THEME_HELP, examples=["共通の課題"]
    )
    starts_at: Omittable[TokyoDatetime] = Field(
        default=None, description=STARTS_AT_HELP, examples=[_STARTS_AT_EXAMPLE]
    )
    ends_at: Omittable[TokyoDatetime] = Field(
        default=None, description=ENDS_AT_HELP, examples=[_ENDS_AT_EXAMPLE]
    )
    format: SymposiumFormat | None = Field(
        default=None, description=FORMAT_HELP, examples=["hybrid"]
    )
    join_url: AnyHttpUrl | None = Field(
        default=None, description=JOIN_URL_HELP, examples=[_JOIN_URL_EXAMPLE]
    )
    venue: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description=VENUE_HELP,
        examples=["秩父市役所 本庁舎 大会議室"],
    )
    audience: Omittable[list[StakeholderCategory]] = Field(
        default=None,
        min_length=1,
        max_length=len(STAKEHOLDER_CATEGORIES),
        description=AUDIENCE_HELP,
        examples=[["local_government"]],
    )
    tentative: Omittable[bool] = Field(default=None, description=TENTATIVE_HELP, examples=[False])
    capacity: None = Field(
        default=None,
        description="定員（capacity）: not changed here (422 `capacity_set_in_notify`): notify's "
        "`PUT /v1/symposia/{id}/capacity` changes it, knowing who is attending",
    )

    @field_validator("capacity", mode="before")
    @classmethod
    def _capacity_is_notifys(cls, value: object) -> None:
        raise PydanticCustomError(
            "capacity_set_in_notify",
            "定員は通知サービスの PUT {path} で変更します。出席者に応じて繰り上げや変更の拒否を"
            "行うためです（the capacity is changed at notify's PUT {path}, which knows who is "
            "attending）",
            {"path": "/v1/symposia/{id}/capacity"},
        )


class CapacitySet(BaseModel):
    """定員: set by notify only, once it has checked who is attending."""

    model_config = ConfigDict(extra="forbid")

    capacity: int | None = Field(ge=1, le=100_000, examples=[120], description=CAPACITY_HELP)


class Cancellation(BaseModel):
    reason: str = Field(
        default="",
        max_length=2000,
        description="中止理由（reason for the cancellation; the cancellation letter says it）",
        examples=["荒天のため中止"],
    )


class SymposiumPublicOut(BaseModel):
    """What reviewers, municipalities and partners see: everything but the join URL, which
    reaches invitees in their mail, and the version, which only those who change it need."""

    # ``forbid`` keeps the full schema from ever validating as this one.
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(description=SYMPOSIUM_ID_HELP)
    fiscal_year: int = Field(description=FISCAL_YEAR_HELP, examples=[2021])
    fiscal_year_label: str = Field(
        description="開催年度の和暦表記（Japanese label of the fiscal year）",
        examples=["令和3年度"],
    )
    number: int = Field(description=NUMBER_HELP, examples=[4])
    theme: str = Field(description=THEME_HELP, examples=["共通の課題"])
    starts_at: TokyoDatetime = Field(
        description="開始日時（start, Asia/Tokyo）", examples=[_STARTS_AT_EXAMPLE]
    )
    ends_at: TokyoDatetime = Field(
        description="終了日時（end, Asia/Tokyo）", examples=[_ENDS_AT_EXAMPLE]
    )
    format: SymposiumFormat | None = Field(description=FORMAT_HELP, examples=["web"])
    venue: str | None = Field(description=VENUE_HELP, examples=[None])
    audience: list[StakeholderCategory] = Field(
        description=AUDIENCE_HELP, examples=[["local_government"]]
    )
    capacity: int | None = Field(description=CAPACITY_HELP, examples=[None])
    tentative: bool = Field(description=TENTATIVE_HELP, examples=[True])
    status: SymposiumStatus = Field(description=STATUS_HELP)
    cancellation_reason: str | None = Field(
        description="中止理由 given when it was cancelled (null otherwise); the cancellation "
        "letter says it",
        examples=[None],
    )
    sequence: int = Field(
        description="改訂番号（ICS SEQUENCE）: raised on each change of time, format, join URL or "
        "venue, and on cancellation",
        examples=[0],
    )


class SymposiumOut(SymposiumPublicOut):
    model_config = ConfigDict(extra="forbid")

    join_url: str | None = Field(
        description=JOIN_URL_HELP + "; operators and the service token only",
        examples=[_JOIN_URL_EXAMPLE],
    )
    version: int = Field(description="版（version）: raised by every change", examples=[1])


class AudienceMember(BaseModel):
    id: uuid.UUID = Field(description=CONTACT_ID_HELP)
    name: str = Field(description=NAME_HELP, examples=["秩父 花子"])
    email: str = Field(
        description="メールアドレス（email: the mailbox's oldest record speaks for it）",
        examples=["hanako.chichibu@example.jp"],
    )
    organisation: str = Field(description=ORGANISATION_HELP, examples=["秩父市 未来技術推進課"])
    stakeholder_category: StakeholderCategory = Field(
        description=CATEGORY_FIELD_HELP, examples=["local_government"]
    )
    lg_code: str | None = Field(description=OWNER_HELP, examples=["112071"])


def public_view(symposium: Symposium) -> SymposiumPublicOut:
    return SymposiumPublicOut.model_validate(_public_fields(symposium))


def full_view(symposium: Symposium) -> SymposiumOut:
    return SymposiumOut.model_validate(
        {
            **_public_fields(symposium),
            "join_url": symposium.join_url,
            "version": symposium.version,
        }
    )


def _public_fields(symposium: Symposium) -> dict[str, Any]:
    return {
        "id": symposium.id,
        "fiscal_year": symposium.fiscal_year,
        "fiscal_year_label": fiscal_year_label(symposium.fiscal_year),
        "number": symposium.number,
        "theme": symposium.theme,
        "starts_at": symposium.starts_at.astimezone(TOKYO),
        "ends_at": symposium.ends_at.astimezone(TOKYO),
        "format": symposium.format,
        "venue": symposium.venue,
        "audience": list(symposium.audience),
        "capacity": symposium.capacity,
        "tentative": symposium.tentative,
        "status": symposium.status,
        "cancellation_reason": symposium.cancellation_reason,
        "sequence": symposium.sequence,
    }
