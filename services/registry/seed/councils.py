"""The Chichibu project's 地域実装協議会, exactly as the seed's 推進体制 / 事業の体制 lists it.

Names are kept as written in the seed (農林庁, (株)西武鉄道(株), (株)アスコデータセキユティア …):
the seed is the record, and a guess at what was meant would be an invented fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.search_text import normalise_search_key
from services.registry.councils import service
from services.registry.councils.schemas import (
    CouncilCreate,
    MemberCategory,
    MemberCreate,
    MemberRole,
)

ACTOR = "seed"
PROJECT_TITLE = "山間地域におけるスマートモビリティによる生活交通・物流融合事業"
COUNCIL_NAME = "秩父市 未来技術社会実装協議会"


@dataclass(frozen=True)
class SeedMember:
    organisation: str
    category: MemberCategory
    role: MemberRole = "member"
    lg_code: str | None = None


MEMBERS: tuple[SeedMember, ...] = (
    # 地方公共団体等
    SeedMember("秩父市", "local_government", lg_code="112071"),
    SeedMember("埼玉県", "local_government", lg_code="110001"),
    SeedMember("(公財)埼玉県産業振興公社", "public_body"),
    SeedMember("秩父商工会議所", "public_body"),
    SeedMember("FIND Chichibu", "public_body"),
    # 民間事業者
    SeedMember("(株)センリック", "private_company"),
    SeedMember("(株)西武ホールディングス", "private_company"),
    SeedMember("(株)西武百貨", "private_company"),
    SeedMember("(株)西武鉄道(株)", "private_company"),
    SeedMember("(株)ファミリーマート", "private_company"),
    SeedMember("(株)アスコデータセキユティア", "private_company"),
    SeedMember("(株)三菱総合研究所", "private_company"),
    # 大学等
    SeedMember("早稲田大学", "university"),
    SeedMember("(公財)本庄早稲田国際リサーチパーク", "research_institute"),
    # 関係府省庁
    SeedMember("内閣府", "ministry"),
    SeedMember("農林庁", "ministry"),
    SeedMember("経済産業省", "ministry"),
    SeedMember("厚生労働省", "ministry"),
    SeedMember("国土交通省", "ministry"),
    # 現地支援責任者
    SeedMember("内閣府地方創生推進事務局", "ministry", role="onsite_support_lead"),
)


async def seed_councils(session: AsyncSession) -> None:
    """Create or complete the Chichibu council through the councils service; skipped while the
    project is not in the registry. A member the council has gets only a missing code filled."""
    project_id, council = await service.find_project_council(session, project_title=PROJECT_TITLE)
    if project_id is None:
        return
    if council is None:
        council = await service.create_council(
            session, principal=ACTOR, project_id=project_id, data=CouncilCreate(name=COUNCIL_NAME)
        )
    # The code is linked only once that local government is registered (its FK needs the row).
    registered = await service.registered_lg_codes(
        session, {m.lg_code for m in MEMBERS if m.lg_code}
    )
    missing: list[MemberCreate] = []
    for seed in MEMBERS:
        lg_code = seed.lg_code if seed.lg_code in registered else None
        key = normalise_search_key(seed.organisation)
        existing = next((m for m in council.members if m.organisation_key == key), None)
        if existing is None:
            missing.append(
                MemberCreate(
                    organisation=seed.organisation,
                    category=seed.category,
                    role=seed.role,
                    lg_code=lg_code,
                )
            )
        elif existing.lg_code is None and lg_code is not None:
            await service.revise_member(
                session, actor=ACTOR, council=council, member=existing, changes={"lg_code": lg_code}
            )
    await service.add_members(session, actor=ACTOR, council_id=council.id, members=missing)
