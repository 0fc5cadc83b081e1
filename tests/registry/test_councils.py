"""地域実装協議会 through the API on real PostgreSQL: ownership, ETags, members, the seed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.councils.models import Council, CouncilMember
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import Programme
from services.registry.projects.models import Project, ProjectProposer
from services.registry.seed.councils import COUNCIL_NAME, PROJECT_TITLE, seed_councils
from tests.fixtures.clients import bearer

CHICHIBU, SAITAMA, TOKYO_TO = "112071", "110001", "130001"
NAMES = {CHICHIBU: ("秩父市", "11", "埼玉県"), SAITAMA: ("埼玉県", "11", "埼玉県")}
NAMES[TOKYO_TO] = ("東京都", "13", "東京都")


async def add_local_government(session: AsyncSession, code: str) -> None:
    if await session.get(LocalGovernment, code) is None:
        name, prefecture_code, prefecture = NAMES[code]
        session.add(
            LocalGovernment(
                code=code,
                name=name,
                prefecture_code=prefecture_code,
                prefecture=prefecture,
                kind="prefecture" if code.endswith("0001") else "city",
                search_key=name,
            )
        )
        await session.flush()


async def add_project(
    session: AsyncSession, *, proposer: str = CHICHIBU, title: str = "テスト事業"
) -> Project:
    await add_local_government(session, proposer)
    if await session.get(Programme, "test-mirai") is None:
        session.add(
            Programme(id="test-mirai", mark="T", ministry="内閣府", bureau="test", name="test")
        )
    project = Project(
        programme_id="test-mirai",
        title=title,
        selection_fiscal_year=2020,
        term_start=date(2020, 4, 1),
        term_end=date(2023, 3, 31),
        status="supported",
        proposers=[ProjectProposer(lg_code=proposer, is_lead=True, position=0)],
    )
    session.add(project)
    await session.flush()
    return project


async def create_council(
    registry: httpx.AsyncClient, headers: dict[str, str], project: Project
) -> httpx.Response:
    response = await registry.post(
        f"/v1/projects/{project.id}/council", json={"name": "テスト協議会"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response


async def test_one_council_per_project_and_found_by_project(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    project = await add_project(session)
    created = await create_council(registry, operator, project)
    body = created.json()
    assert body["project_id"] == str(project.id)
    assert body["members"] == []
    assert created.headers["ETag"] == f'"council-{body["id"]}-v1"'

    again = await registry.post(
        f"/v1/projects/{project.id}/council", json={"name": "二つ目"}, headers=operator
    )
    assert again.status_code == 409

    by_project = await registry.get(f"/v1/projects/{project.id}/council", headers=operator)
    assert by_project.status_code == 200
    assert by_project.json()["id"] == body["id"]
    missing = await registry.post(
        f"/v1/projects/{uuid.uuid4()}/council", json={"name": "x"}, headers=operator
    )
    assert missing.status_code == 404


async def test_municipality_sees_only_councils_of_its_projects(
    registry: httpx.AsyncClient,
    session: AsyncSession,
    operator: dict[str, str],
    token: Callable[..., str],
) -> None:
    project = await add_project(session)
    council_id = (await create_council(registry, operator, project)).json()["id"]
    await add_local_government(session, TOKYO_TO)
    own = bearer(token(Role.municipality, lg_code=CHICHIBU))
    other = bearer(token(Role.municipality, lg_code=TOKYO_TO))

    assert (await registry.get(f"/v1/councils/{council_id}", headers=own)).status_code == 200
    denied = await registry.get(f"/v1/councils/{council_id}", headers=other)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    by_project = await registry.get(f"/v1/projects/{project.id}/council", headers=other)
    assert by_project.status_code == 403
    member = await registry.post(
        f"/v1/councils/{council_id}/members",
        json={"organisation": "東京都", "category": "local_government"},
        headers=other,
    )
    assert member.status_code == 403
    listed = await registry.get("/v1/councils", headers=other)
    assert listed.json()["items"] == []
    listed_own = await registry.get("/v1/councils", headers=own)
    assert [c["id"] for c in listed_own.json()["items"]] == [council_id]
    partner = bearer(token(Role.partner))
    public = await registry.get(f"/v1/councils/{council_id}", headers=partner)
    assert public.status_code == 200
    patch = await registry.patch(
        f"/v1/councils/{council_id}", json={"name": "x"}, headers={**partner, "If-Match": "*"}
    )
    assert patch.status_code == 403


async def test_council_patch_needs_if_match(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    project = await add_project(session)
    created = await create_council(registry, operator, project)
    url = f"/v1/councils/{created.json()['id']}"

    missing = await registry.patch(url, json={"name": "新しい名称"}, headers=operator)
    assert missing.status_code == 428
    stale = await registry.patch(
        url, json={"name": "新しい名称"}, headers={**operator, "If-Match": '"council-x-v9"'}
    )
    assert stale.status_code == 412
    ok = await registry.patch(
        url, json={"name": "新しい名称"}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "新しい名称"
    assert ok.headers["ETag"] != created.headers["ETag"]
    replay = await registry.patch(
        url, json={"name": "三つ目"}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert replay.status_code == 412
    assert (await registry.get(url, headers=operator)).json()["name"] == "新しい名称"


async def new_council_members_url(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> tuple[httpx.Response, str]:
    created = await create_council(registry, operator, await add_project(session))
    return created, f"/v1/councils/{created.json()['id']}/members"


async def test_member_category_role_and_code_are_validated(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    _, members_url = await new_council_members_url(registry, session, operator)

    bad_category = await registry.post(
        members_url, json={"organisation": "某団体", "category": "ngo"}, headers=operator
    )
    assert bad_category.status_code == 422
    assert bad_category.json()["errors"][0]["field"] == "body.category"
    bad_role = await registry.post(
        members_url,
        json={"organisation": "某団体", "category": "other", "role": "boss"},
        headers=operator,
    )
    assert bad_role.json()["errors"][0]["field"] == "body.role"
    bad_code = await registry.post(
        members_url,
        json={"organisation": "秩父市", "category": "local_government", "lg_code": "112072"},
        headers=operator,
    )
    assert bad_code.status_code == 422
    error = bad_code.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("body.lg_code", "check_digit")
    assert bad_code.json()["expected_check_digit"] == 1
    code_on_company = await registry.post(
        members_url,
        json={"organisation": "(株)某社", "category": "private_company", "lg_code": CHICHIBU},
        headers=operator,
    )
    assert code_on_company.json()["errors"][0]["rule"] == "category"

    city = await registry.post(
        members_url,
        json={"organisation": "秩父市", "category": "local_government", "lg_code": "１１２０７１"},
        headers=operator,
    )
    assert city.status_code == 201, city.text
    assert (city.json()["lg_code"], city.json()["role"]) == (CHICHIBU, "member")
    assert city.json()["organisation_key"] == "秩父市"
    duplicate = await registry.post(
        members_url,
        json={"organisation": "秩父 市", "category": "local_government"},
        headers=operator,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "body.organisation"


async def test_members_change_with_their_own_etags(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    created, members_url = await new_council_members_url(registry, session, operator)
    city = await registry.post(
        members_url,
        json={"organisation": "秩父市", "category": "local_government", "role": "chair"},
        headers=operator,
    )
    lead = await registry.post(
        members_url,
        json={"organisation": "内閣府地方創生推進事務局", "category": "ministry"},
        headers=operator,
    )
    assert lead.json()["position"] == 1
    member_url = f"{members_url}/{lead.json()['id']}"
    change = {"role": "onsite_support_lead"}

    assert (await registry.patch(member_url, json=change, headers=operator)).status_code == 428
    stale = {**operator, "If-Match": city.headers["ETag"]}
    assert (await registry.patch(member_url, json=change, headers=stale)).status_code == 412
    changed = await registry.patch(
        member_url, json=change, headers={**operator, "If-Match": lead.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert changed.json()["role"] == "onsite_support_lead"
    assert changed.json()["etag"] == changed.headers["ETag"] != lead.headers["ETag"]

    # The council's ETag covers its members: an edit based on a read before them is refused.
    rename = await registry.patch(
        members_url.removesuffix("/members"),
        json={"name": "x"},
        headers={**operator, "If-Match": created.headers["ETag"]},
    )
    assert rename.status_code == 412

    assert (await registry.delete(member_url, headers=operator)).status_code == 428
    deleted = await registry.delete(
        member_url, headers={**operator, "If-Match": changed.headers["ETag"]}
    )
    assert deleted.status_code == 204
    council = (await registry.get(members_url.removesuffix("/members"), headers=operator)).json()
    assert [(m["organisation"], m["role"]) for m in council["members"]] == [("秩父市", "chair")]
    actions = await session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "council_member")
        .order_by(AuditEvent.id)
    )
    assert list(actions) == [
        "council.member_added",
        "council.member_added",
        "council.member_updated",
        "council.member_removed",
    ]


async def test_councils_found_by_organisation_key(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    first = await add_project(session, title="一つ目")
    second = await add_project(session, title="二つ目")
    for project in (first, second):
        council_id = (await create_council(registry, operator, project)).json()["id"]
        await registry.post(
            f"/v1/councils/{council_id}/members",
            json={"organisation": "早稲田大学", "category": "university"},
            headers=operator,
        )
    await registry.post(
        f"/v1/councils/{council_id}/members",
        json={"organisation": "(株)三菱総合研究所", "category": "private_company"},
        headers=operator,
    )
    both = await registry.get(
        "/v1/councils", params={"organisation": "早稲田 大学"}, headers=operator
    )
    assert {c["project_id"] for c in both.json()["items"]} == {str(first.id), str(second.id)}
    one = await registry.get(
        "/v1/councils", params={"organisation": "（株）三菱総合研究所"}, headers=operator
    )
    assert [c["project_id"] for c in one.json()["items"]] == [str(second.id)]
    paged = await registry.get(
        "/v1/councils", params={"organisation": "早稲田大学", "limit": 1}, headers=operator
    )
    assert len(paged.json()["items"]) == 1
    rest = await registry.get(paged.json()["next"], headers=operator)
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next"] is None
    assert rest.json()["items"][0]["id"] != paged.json()["items"][0]["id"]


async def test_seed_loads_the_chichibu_council_once(session: AsyncSession) -> None:
    await seed_councils(session)  # no project yet: nothing happens
    assert await session.scalar(select(func.count()).select_from(Council)) == 0

    await add_local_government(session, SAITAMA)
    project = await add_project(session, title=PROJECT_TITLE)
    await seed_councils(session)
    council = await session.scalar(select(Council).where(Council.project_id == project.id))
    assert council is not None
    assert council.name == COUNCIL_NAME
    members = (
        await session.execute(
            select(
                CouncilMember.organisation,
                CouncilMember.category,
                CouncilMember.role,
                CouncilMember.lg_code,
            )
            .where(CouncilMember.council_id == council.id)
            .order_by(CouncilMember.position)
        )
    ).all()
    by_category: dict[str, list[str]] = {}
    for organisation, category, _, _ in members:
        by_category.setdefault(category, []).append(organisation)
    assert by_category == {
        "local_government": ["秩父市", "埼玉県"],
        "public_body": ["(公財)埼玉県産業振興公社", "秩父商工会議所", "FIND Chichibu"],
        "private_company": [
            "(株)センリック",
            "(株)西武ホールディングス",
            "(株)西武百貨",
            "(株)西武鉄道(株)",
            "(株)ファミリーマート",
            "(株)アスコデータセキユティア",
            "(株)三菱総合研究所",
        ],
        "university": ["早稲田大学"],
        "research_institute": ["(公財)本庄早稲田国際リサーチパーク"],
        "ministry": [
            "内閣府",
            "農林庁",
            "経済産業省",
            "厚生労働省",
            "国土交通省",
            "内閣府地方創生推進事務局",
        ],
    }
    assert {(m[0], m[3]) for m in members if m[3]} == {("秩父市", CHICHIBU), ("埼玉県", SAITAMA)}
    assert [m[0] for m in members if m[2] == "onsite_support_lead"] == ["内閣府地方創生推進事務局"]
    assert {m[2] for m in members} == {"member", "onsite_support_lead"}

    version = council.version
    events = await session.scalar(select(func.count()).select_from(AuditEvent))
    await seed_councils(session)
    await session.refresh(council)
    assert council.version == version
    assert await session.scalar(select(func.count()).select_from(CouncilMember)) == len(members)
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == events
