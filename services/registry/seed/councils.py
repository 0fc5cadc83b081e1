"""The Chichibu project's 地域実装協議会, exactly as the seed's 推進体制 / 事業の体制 lists it.

Names are kept as written in the seed (農林庁, (株)西武鉄道(株), (株)アスコデータセキユティア …):
the seed is the record, and a guess at what was meant would be an invented fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.search_text import normalise_search_key
from services.registry.audit.service import record
from services.registry.councils import repository
from services.registry.councils.models import Council, CouncilMember
from services.registry.councils.service import member_snapshot

ACTOR = "seed"
PROJECT_TITLE = "山間地域におけるスマートモビリティによる生活交通・物流融合事業"
COUNCIL_NAME = "秩父市 未来技術社会実装協議会"


@dataclass(frozen=True)
class SeedMember:
    organisation: str
    category: str
    role: str = "member"
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
    """Create or complete the Chichibu council; skipped while the project is not in the registry."""
    project_id = await repository.project_id_by_title(session, PROJECT_TITLE)
    if project_id is None:
        return
    council = await repository.get_for_project(session, project_id)
    if council is None:
        council = Council(project_id=project_id, name=COUNCIL_NAME, members=[])
        await repository.add_council(session, council)
        await record(
            session,
            actor=ACTOR,
            action="council.created",
            subject_type="council",
            subject_id=council.id,
            after={"project_id": str(project_id), "name": COUNCIL_NAME},
        )
    missing: list[CouncilMember] = []
    for seed in MEMBERS:
        member = await _seed_member(session, council, seed)
        if member is not None:
            missing.append(member)
    if missing:
        await repository.add_members(session, council, missing)
    for member in missing:
        await record(
            session,
            actor=ACTOR,
            action="council.member_added",
            subject_type="council_member",
            subject_id=member.id,
            after={"council_id": str(council.id), **member_snapshot(member)},
        )


async def _seed_member(
    session: AsyncSession, council: Council, seed: SeedMember
) -> CouncilMember | None:
    """A new member to add, or None when the council has it (then only a missing code is filled)."""
    key = normalise_search_key(seed.organisation)
    # The code is linked only once that local government is registered (its FK needs the row).
    lg_code = seed.lg_code
    if lg_code and not await repository.local_government_exists(session, lg_code):
        lg_code = None
    existing = next((m for m in council.members if m.organisation_key == key), None)
    if existing is None:
        return CouncilMember(
            organisation=seed.organisation,
            organisation_key=key,
            category=seed.category,
            role=seed.role,
            lg_code=lg_code,
        )
    if existing.lg_code is None and lg_code is not None:
        before = member_snapshot(existing)
        existing.lg_code = lg_code
        await repository.save(session, council)
        await record(
            session,
            actor=ACTOR,
            action="council.member_updated",
            subject_type="council_member",
            subject_id=existing.id,
            before=before,
            after=member_snapshot(existing),
        )
    return None
