"""未来技術実装ミニシンポジウム as the API shows it, and the audience notify invites."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import TOKYO, fiscal_year_label
from libs.common.named_schema import Named
from services.registry.contacts.schemas import CATEGORY_HELP, StakeholderCategory

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
    "会場: where an in_person or hybrid session is held (address and room), the calendar's "
    "LOCATION; notify refuses to invite to one without it. A change raises `sequence`"
)
FORMAT_HELP = (
    "web / in_person / hybrid; null when not stated (the seed states none for FY2020's sessions)"
)
STATUS_HELP = "scheduled 開催予定, held 開催済み (its end has passed), cancelled 中止"

_TIME_HELP = "ISO 8601; a time without an offset is taken as Japan time (JST, +09:00)"


class SymposiumCreate(BaseModel):
    fiscal_year: int | str = Field(
        description="年度 in any accepted form: 2021, R3, 令和3年度, H30 …", examples=["令和3年度"]
    )
    number: int = Field(ge=1, le=99, description="第N回", examples=[4])
    theme: str = Field(min_length=1, max_length=200, examples=["共通の課題"])
    starts_at: datetime = Field(description=_TIME_HELP, examples=["2022-02-17T13:30:00+09:00"])
    ends_at: datetime = Field(description=_TIME_HELP, examples=["2022-02-17T15:00:00+09:00"])
    format: SymposiumFormat | None = Field(default="web", description=FORMAT_HELP)
    join_url: AnyHttpUrl | None = Field(default=None, examples=["https://meet.example.jp/abc"])
    venue: str | None = Field(default=None, min_length=1, max_length=300, description=VENUE_HELP)
    audience: list[StakeholderCategory] = Field(
        min_length=1,
        description=f"The stakeholder categories invited (参加対象者): {CATEGORY_HELP}",
        examples=[["local_government"]],
    )
    capacity: int | None = Field(default=None, ge=1, le=100_000, examples=[300])
    tentative: bool = Field(default=False, description="（予定）: the date is not final")


class SymposiumUpdate(BaseModel):
    """Fields left out are unchanged; an unknown one is refused. ``capacity`` is refused by name:
    notify changes it (``PUT /v1/symposia/{id}/capacity`` there), because only notify knows who
    is attending."""

    model_config = ConfigDict(extra="forbid")

    theme: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: datetime | None = Field(default=None, description=_TIME_HELP)
    ends_at: datetime | None = Field(default=None, description=_TIME_HELP)
    format: SymposiumFormat | None = None
    join_url: AnyHttpUrl | None = None
    venue: str | None = Field(default=None, min_length=1, max_length=300, description=VENUE_HELP)
    audience: list[StakeholderCategory] | None = Field(default=None, min_length=1)
    tentative: bool | None = None
    capacity: None = Field(
        default=None,
        description="Not changed here (422 `capacity_set_in_notify`): notify's "
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

    capacity: int | None = Field(ge=1, le=100_000, examples=[120], description="null: no limit")


class Cancellation(BaseModel):
    reason: str = Field(default="", max_length=2000, examples=["荒天のため中止"])


class SymposiumPublicOut(BaseModel):
    """What reviewers, municipalities and partners see: everything but the join URL, which
    reaches invitees in their mail, and the version, which only those who change it need."""

    # ``forbid`` keeps the full schema from ever validating as this one.
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    fiscal_year: int = Field(examples=[2021])
    fiscal_year_label: str = Field(examples=["令和3年度"])
    number: int = Field(examples=[4])
    theme: str = Field(examples=["共通の課題"])
    starts_at: datetime = Field(examples=["2022-02-17T13:30:00+09:00"])
    ends_at: datetime = Field(examples=["2022-02-17T15:00:00+09:00"])
    format: SymposiumFormat | None = Field(description=FORMAT_HELP)
    venue: str | None = Field(description=VENUE_HELP)
    audience: list[StakeholderCategory]
    capacity: int | None
    tentative: bool
    status: SymposiumStatus = Field(description=STATUS_HELP)
    cancellation_reason: str | None = Field(
        description="中止理由 given when it was cancelled (null otherwise); the cancellation "
        "letter says it",
        examples=["講師の体調不良"],
    )
    sequence: int = Field(
        description="Raised on each change of time, format, join URL or venue (ICS)"
    )


class SymposiumOut(SymposiumPublicOut):
    model_config = ConfigDict(extra="forbid")

    join_url: str | None
    version: int


class AudienceMember(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    organisation: str
    stakeholder_category: StakeholderCategory
    lg_code: str | None


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
