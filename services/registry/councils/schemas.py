"""地域実装協議会 as the API shows it: a council, its member organisations and their roles."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.named_schema import Named
from libs.common.omittable import Omittable
from services.registry.request_types import LgCode

MemberCategory = Annotated[
    Literal[
        "local_government",
        "public_body",
        "private_company",
        "university",
        "research_institute",
        "ministry",
        "other",
    ],
    Named(
        "MemberCategory",
        "地域実装協議会の構成員の区分（council member category）: local_government 地方公共団体, "
        "public_body 公的機関, private_company 民間事業者, university 大学, "
        "research_institute 研究機関, ministry 府省庁, other その他",
    ),
]
MemberRole = Annotated[
    Literal["chair", "secretariat", "onsite_support_lead", "member"],
    Named(
        "MemberRole",
        "協議会での役割（role in the council）: chair 会長, secretariat 事務局, "
        "onsite_support_lead 現地支援責任者, member 構成員",
    ),
]

_CATEGORY_HELP = (
    "local_government 地方公共団体, public_body 公的機関（公益財団法人・商工会議所等）, "
    "private_company 民間事業者, university 大学, research_institute 研究機関, "
    "ministry 府省庁, other その他"
)
_ROLE_HELP = "chair 会長, secretariat 事務局, onsite_support_lead 現地支援責任者, member 構成員"


COUNCIL_NAME_HELP = "協議会の名称（council name）"
ORGANISATION_HELP = "構成団体名（表記のまま）（member organisation, as written）"
CATEGORY_FIELD_HELP = "構成員の区分（member category）: " + _CATEGORY_HELP
ROLE_FIELD_HELP = "構成員の協議会での役割（the member's role in the council）: " + _ROLE_HELP
MEMBER_LG_CODE_HELP = (
    "構成団体の地方公共団体コード（local government code; only for category local_government）"
)
POSITION_HELP = "表示順（display order, 0 first）"
COUNCIL_ID_HELP = "協議会のID（council id）"
MEMBER_ID_HELP = "構成員のID（member id）"
_COUNCIL_NAME_EXAMPLE = "秩父市 未来技術社会実装協議会"


class CouncilCreate(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        description=COUNCIL_NAME_HELP,
        examples=[_COUNCIL_NAME_EXAMPLE],
    )


class CouncilUpdate(BaseModel):
    name: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=COUNCIL_NAME_HELP,
        examples=[_COUNCIL_NAME_EXAMPLE],
    )


class MemberCreate(BaseModel):
    organisation: str = Field(
        min_length=1, max_length=200, description=ORGANISATION_HELP, examples=["秩父市"]
    )
    category: MemberCategory = Field(description=CATEGORY_FIELD_HELP, examples=["local_government"])
    role: MemberRole = Field(default="member", description=ROLE_FIELD_HELP, examples=["member"])
    lg_code: LgCode | None = Field(
        default=None, description=MEMBER_LG_CODE_HELP, examples=["112071"]
    )


class MemberUpdate(BaseModel):
    """Only the fields sent change; ``lg_code`` may be cleared with null."""

    organisation: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=ORGANISATION_HELP,
        examples=["秩父市"],
    )
    category: Omittable[MemberCategory] = Field(
        default=None, description=CATEGORY_FIELD_HELP, examples=["local_government"]
    )
    role: Omittable[MemberRole] = Field(
        default=None, description=ROLE_FIELD_HELP, examples=["chair"]
    )
    lg_code: LgCode | None = Field(
        default=None, description=MEMBER_LG_CODE_HELP, examples=["112071"]
    )
    position: Omittable[int] = Field(
        default=None, ge=0, le=10_000, description=POSITION_HELP, examples=[0]
    )


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description=MEMBER_ID_HELP)
    council_id: uuid.UUID = Field(description=COUNCIL_ID_HELP)
    organisation: str = Field(description=ORGANISATION_HELP, examples=["(公財)埼玉県産業振興公社"])
    organisation_key: str = Field(
        description="構成団体名の検索キー（normalised search key of the organisation, for "
        "conflict-of-interest checks）",
        examples=["(公財)埼玉県産業振興公社"],
    )
    category: MemberCategory = Field(description=CATEGORY_FIELD_HELP, examples=["public_body"])
    role: MemberRole = Field(description=ROLE_FIELD_HELP, examples=["member"])
    lg_code: str | None = Field(description=MEMBER_LG_CODE_HELP, examples=[None])
    position: int = Field(description=POSITION_HELP, examples=[1])
    etag: str = Field(
        description="この構成員の ETag（this member's ETag, for If-Match on PATCH and DELETE）",
        examples=['"council-member-5b1d7a38-2c4e-4f0a-9d61-7e8f3a2b1c90-v1"'],
    )


class CouncilOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description=COUNCIL_ID_HELP)
    project_id: uuid.UUID = Field(description="事業ID（the project whose council it is）")
    name: str = Field(description=COUNCIL_NAME_HELP, examples=[_COUNCIL_NAME_EXAMPLE])
    members: list[MemberOut] = Field(description="構成員（members, in display order）")
    version: int = Field(
        description="版（version）: raised by every change, its members' too", examples=[1]
    )
