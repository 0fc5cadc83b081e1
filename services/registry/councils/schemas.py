"""地域実装協議会 as the API shows it: a council, its member organisations and their roles."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.named_schema import Named

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


class CouncilCreate(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="協議会の名称",
        examples=["秩父市 未来技術社会実装協議会"],
    )


class CouncilUpdate(BaseModel):
    name: str | None = Field(
        default=None, min_length=1, max_length=200, examples=["秩父市 未来技術社会実装協議会"]
    )


class MemberCreate(BaseModel):
    organisation: str = Field(
        min_length=1, max_length=200, description="構成団体名（表記のまま）", examples=["秩父市"]
    )
    category: MemberCategory = Field(description=_CATEGORY_HELP, examples=["local_government"])
    role: MemberRole = Field(default="member", description=_ROLE_HELP, examples=["member"])
    lg_code: str | None = Field(
        default=None,
        description="地方公共団体コード (only for category local_government)",
        examples=["112071"],
    )


class MemberUpdate(BaseModel):
    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    category: MemberCategory | None = Field(default=None, description=_CATEGORY_HELP)
    role: MemberRole | None = Field(default=None, description=_ROLE_HELP)
    lg_code: str | None = Field(default=None, examples=["112071"])
    position: int | None = Field(default=None, ge=0, le=10_000, description="表示順 (0 first)")


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    council_id: uuid.UUID
    organisation: str = Field(examples=["(公財)埼玉県産業振興公社"])
    organisation_key: str = Field(
        description="Normalised search key of the organisation (conflict-of-interest checks)",
        examples=["(公財)埼玉県産業振興公社"],
    )
    category: MemberCategory
    role: MemberRole
    lg_code: str | None
    position: int
    etag: str = Field(description="This member's ETag, for If-Match on PATCH/DELETE")


class CouncilOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str = Field(examples=["秩父市 未来技術社会実装協議会"])
    members: list[MemberOut]
    version: int
