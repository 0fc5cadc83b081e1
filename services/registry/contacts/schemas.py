"""連絡先 as the API shows it; partners get the public schema, which has no email or phone."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import TOKYO
from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from libs.common.omittable import Omittable
from services.registry.request_types import LgCode

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

STAKEHOLDER_CATEGORIES: tuple[str, ...] = get_args(get_args(StakeholderCategory)[0])
CATEGORY_HELP = (
    "national_government 国, local_government 地方公共団体, school 学校, "
    "private_company 民間企業, resident_representative 住民代表, other その他"
)


CATEGORY_FIELD_HELP = "連絡先の関係者の区分（the contact's stakeholder category）: " + CATEGORY_HELP
NAME_HELP = "氏名（name）"
EMAIL_HELP = (
    "メールアドレス（email）: validated and normalised (NFKC, lower-case domain, local part as "
    "written); unique among the contacts of one owner (local government, or the office), "
    "compared case-insensitively"
)
PHONE_HELP = "電話番号（phone number）; null: none"
ORGANISATION_HELP = "所属（organisation and department, as written）"
OWNER_HELP = (
    "所属する地方公共団体のコード（the contact's local government, its owner）; null: the "
    "office's own contact"
)
CONTACT_ID_HELP = "連絡先のID（contact id）"
LINK_ID_HELP = "紐づけのID（link id）"
EMAIL_FORMAT: dict[str, Any] = {"format": "email"}
_NAME_EXAMPLE = "秩父 花子"
_EMAIL_EXAMPLE = "hanako.chichibu@example.jp"
_PHONE_EXAMPLE = "0494-22-2211"
_ORGANISATION_EXAMPLE = "秩父市 未来技術推進課"


class ContactCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description=NAME_HELP, examples=[_NAME_EXAMPLE])
    email: str = Field(
        max_length=320,
        description=EMAIL_HELP,
        examples=[_EMAIL_EXAMPLE],
        json_schema_extra=EMAIL_FORMAT,
    )
    phone: str | None = Field(
        default=None, max_length=30, description=PHONE_HELP, examples=[_PHONE_EXAMPLE]
    )
    organisation: str = Field(
        default="", max_length=200, description=ORGANISATION_HELP, examples=[_ORGANISATION_EXAMPLE]
    )
    stakeholder_category: StakeholderCategory = Field(
        description=CATEGORY_FIELD_HELP, examples=["local_government"]
    )
    lg_code: LgCode | None = Field(
        default=None,
        description=OWNER_HELP + "; a municipality token defaults it to its own",
        examples=["112071"],
    )


class ContactUpdate(BaseModel):
    """Only the fields sent change; ``phone`` and ``lg_code`` may be cleared with null."""

    name: Omittable[str] = Field(
        default=None, min_length=1, max_length=100, description=NAME_HELP, examples=[_NAME_EXAMPLE]
    )
    email: Omittable[str] = Field(
        default=None,
        max_length=320,
        description=EMAIL_HELP,
        examples=[_EMAIL_EXAMPLE],
        json_schema_extra=EMAIL_FORMAT,
    )
    phone: str | None = Field(
        default=None, max_length=30, description=PHONE_HELP, examples=[_PHONE_EXAMPLE]
    )
    organisation: Omittable[str] = Field(
        default=None,
        max_length=200,
        description=ORGANISATION_HELP,
        examples=[_ORGANISATION_EXAMPLE],
    )
    stakeholder_category: Omittable[StakeholderCategory] = Field(
        default=None, description=CATEGORY_FIELD_HELP, examples=["local_government"]
    )
    lg_code: LgCode | None = Field(
        default=None,
        description=OWNER_HELP + " (operators only: a municipality keeps its own)",
        examples=["112071"],
    )


class LinkCreate(BaseModel):
    """Exactly one of ``project_id`` and ``council_id``."""

    project_id: uuid.UUID | None = Field(
        default=None, description="紐づける事業のID（project id; or give council_id）"
    )
    council_id: uuid.UUID | None = Field(
        default=None, description="紐づける協議会のID（council id; or give project_id）"
    )

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

    id: uuid.UUID = Field(description=LINK_ID_HELP)
    project_id: uuid.UUID | None = Field(
        description="紐づく事業のID（project id; null for a council）"
    )
    council_id: uuid.UUID | None = Field(
        description="紐づく協議会のID（council id; null for a project）", examples=[None]
    )


SUPPRESSION_STATE_HELP = (
    "配信停止の種類（kind of suppression）: unsubscribed 配信停止 / bounced 不達"
)


class SuppressionSet(BaseModel):
    state: SuppressionState = Field(description=SUPPRESSION_STATE_HELP, examples=["bounced"])
    reason: str = Field(
        default="",
        max_length=2000,
        description="停止の理由（reason as reported: the bounce's reply, the unsubscribe link …）",
        examples=["550 5.1.1 user unknown"],
    )


class SuppressionByEmail(SuppressionSet):
    email: str = Field(
        max_length=320,
        description="停止するメールアドレス（the address: every contact with it, in any case）",
        examples=[_EMAIL_EXAMPLE],
        json_schema_extra=EMAIL_FORMAT,
    )


class SuppressionReasonOut(BaseModel):
    """One suppression report as recorded: kind, words, when and who."""

    state: SuppressionState = Field(description=SUPPRESSION_STATE_HELP)
    reason: str = Field(
        description="停止の理由（reason as reported）", examples=["550 5.1.1 user unknown"]
    )
    at: TokyoDatetime = Field(description="報告日時（reported at, Asia/Tokyo）")
    by: str = Field(description="報告者（who reported it）", examples=["service:notify"])


class SuppressionResult(BaseModel):
    email: str = Field(
        description="正規化したメールアドレス（the address, normalised）", examples=[_EMAIL_EXAMPLE]
    )
    state: SuppressionState = Field(
        description="報告された停止の種類（the kind this call reported）"
    )
    contact_ids: list[uuid.UUID] = Field(
        description="このアドレスの連絡先すべて（every contact with this address）"
    )
    changed: int = Field(
        description="この呼び出しで変わった連絡先の数（how many of them this call changed; 0 on a "
        "repeat）",
        examples=[1],
    )


class ContactPublicOut(BaseModel):
    """What a partner may see: no email, no phone, no suppression state."""

    # ``forbid`` keeps the full schema from ever validating as this one (and vice versa).
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID = Field(description=CONTACT_ID_HELP)
    name: str = Field(description=NAME_HELP, examples=[_NAME_EXAMPLE])
    organisation: str = Field(description=ORGANISATION_HELP, examples=[_ORGANISATION_EXAMPLE])
    stakeholder_category: StakeholderCategory = Field(description=CATEGORY_FIELD_HELP)
    lg_code: str | None = Field(description=OWNER_HELP, examples=["112071"])
    links: list[LinkOut] = Field(description="紐づく事業・協議会（links to projects or councils）")


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID = Field(description=CONTACT_ID_HELP)
    name: str = Field(description=NAME_HELP, examples=[_NAME_EXAMPLE])
    email: str = Field(
        description="メールアドレス（email, as written with the domain lower-cased）",
        examples=[_EMAIL_EXAMPLE],
    )
    phone: str | None = Field(description=PHONE_HELP, examples=[_PHONE_EXAMPLE])
    organisation: str = Field(description=ORGANISATION_HELP, examples=[_ORGANISATION_EXAMPLE])
    stakeholder_category: StakeholderCategory = Field(description=CATEGORY_FIELD_HELP)
    lg_code: str | None = Field(description=OWNER_HELP, examples=["112071"])
    suppression: SuppressionState | None = Field(
        description="配信停止の状態（suppression in effect: the strongest kind reported; null: "
        "mail reaches it）",
        examples=[None],
    )
    suppression_reason: str | None = Field(
        description="停止の理由（reason of the suppression in effect）", examples=[None]
    )
    suppressed_at: TokyoDatetime | None = Field(
        description="停止の日時（when the suppression in effect was reported）", examples=[None]
    )
    suppression_reasons: list[SuppressionReasonOut] = Field(
        description="停止の報告（each kind reported, its first report, oldest first; the strongest "
        "kind (bounced > unsubscribed) is the one in `suppression`）",
        examples=[[]],
    )
    links: list[LinkOut] = Field(description="紐づく事業・協議会（links to projects or councils）")
    version: int = Field(
        description="版（version）: raised by every change, its links' too", examples=[1]
    )


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
