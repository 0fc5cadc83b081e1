"""連絡先 as the API shows it; partners get the public schema, which has no email or phone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import TOKYO
from libs.common.named_schema import Named

if TYPE_CHECKING:
    from services.registry.contacts.models import Contact

StakeholderCategory = Annotated[
    Literal[
        "national_government",
        "local_government",
        "school",
        "private_company",
        "resident_representative",
        "other",
    ],
    Named(
        "StakeholderCategory",
        "関係者の区分（stakeholder category）: national_government 国, "
        "local_government 地方公共団体, school 学校, private_company 民間企業, "
        "resident_representative 住民代表, other その他",
    ),
]
SuppressionState = Annotated[
    Literal["unsubscribed", "bounced"],
    Named(
        "SuppressionState",
        "配信停止の状態（suppression state）: unsubscribed 本人による配信停止, "
        "bounced 不達による停止",
    ),
]

CATEGORY_HELP = (
    "national_government 国, local_government 地方公共団体, school 学校, "
    "private_company 民間企業, resident_representative 住民代表, other その他"
)


class ContactCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["秩父 花子"])
    email: str = Field(
        max_length=320,
        description="Validated and normalised (NFKC, lower-case domain, local part as written); "
        "unique among the contacts of one owner (local government, or the office), compared "
        "case-insensitively",
        examples=["hanako.chichibu@example.jp"],
    )
    phone: str | None = Field(default=None, max_length=30, examples=["0494-22-2211"])
    organisation: str = Field(default="", max_length=200, examples=["秩父市 未来技術推進課"])
    stakeholder_category: StakeholderCategory = Field(
        description=CATEGORY_HELP, examples=["local_government"]
    )
    lg_code: str | None = Field(
        default=None,
        description="The contact's local government; a municipality token defaults it to its own",
        examples=["112071"],
    )


class ContactUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=30)
    organisation: str | None = Field(default=None, max_length=200)
    stakeholder_category: StakeholderCategory | None = Field(
        default=None, description=CATEGORY_HELP
    )
    lg_code: str | None = None


class LinkCreate(BaseModel):
    """Exactly one of ``project_id`` and ``council_id``."""

    project_id: uuid.UUID | None = None
    council_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> LinkCreate:
        if (self.project_id is None) == (self.council_id is None):
            raise PydanticCustomError(
                "exactly_one",
                "project_id と council_id のどちらか一方だけを指定してください"
                "（give exactly one of project_id and council_id）",
            )
        return self


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID | None
    council_id: uuid.UUID | None


class SuppressionSet(BaseModel):
    state: SuppressionState = Field(
        description="unsubscribed 配信停止 / bounced 不達", examples=["bounced"]
    )
    reason: str = Field(default="", max_length=2000, examples=["550 5.1.1 user unknown"])


class SuppressionByEmail(SuppressionSet):
    email: str = Field(max_length=320, examples=["hanako.chichibu@example.jp"])


class SuppressionReasonOut(BaseModel):
    """One suppression report as recorded: kind, words, when and who."""

    state: SuppressionState
    reason: str
    at: datetime
    by: str = Field(examples=["service:notify"])


class SuppressionResult(BaseModel):
    email: str
    state: SuppressionState
    contact_ids: list[uuid.UUID] = Field(description="Every contact with this address")
    changed: int = Field(description="How many of them this call changed (0 on a repeat)")


class ContactPublicOut(BaseModel):
    """What a partner may see: no email, no phone, no suppression state."""

    # ``forbid`` keeps the full schema from ever validating as this one (and vice versa).
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    name: str
    organisation: str
    stakeholder_category: StakeholderCategory
    lg_code: str | None
    links: list[LinkOut]


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    name: str
    email: str
    phone: str | None
    organisation: str
    stakeholder_category: StakeholderCategory
    lg_code: str | None
    suppression: SuppressionState | None
    suppression_reason: str | None
    suppressed_at: datetime | None
    suppression_reasons: list[SuppressionReasonOut] = Field(
        description="Each kind reported (its first report), oldest first; the strongest kind "
        "(bounced > unsubscribed) is the one in `suppression`"
    )
    links: list[LinkOut]
    version: int


def public_view(contact: Contact) -> ContactPublicOut:
    """The public record. Links in id order: one state, one body, one ETag."""
    return ContactPublicOut.model_validate(
        {
            "id": contact.id,
            "name": contact.name,
            "organisation": contact.organisation,
            "stakeholder_category": contact.stakeholder_category,
            "lg_code": contact.lg_code,
            "links": [
                LinkOut.model_validate(link) for link in sorted(contact.links, key=lambda x: x.id)
            ],
        }
    )


def full_view(contact: Contact) -> ContactOut:
    suppressed_at = contact.suppressed_at.astimezone(TOKYO) if contact.suppressed_at else None
    return ContactOut.model_validate(
        {
            **public_view(contact).model_dump(),
            "email": contact.email,
            "phone": contact.phone,
            "suppression": contact.suppression,
            "suppression_reason": contact.suppression_reason,
            "suppressed_at": suppressed_at,
            "suppression_reasons": contact.suppression_reasons or [],
            "version": contact.version,
        }
    )
