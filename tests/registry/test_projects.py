"""Projects through the API on real PostgreSQL: derived terms, access, ETags, search, filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from libs.common.auth import Role
from tests.fixtures.clients import bearer
from tests.registry.projects_support import CHICHIBU_TITLE, create, project_body

# Every test here starts from the proposers' local governments and the ☆ programme.
pytestmark = pytest.mark.usefixtures("project_world")


async def titles(registry: httpx.AsyncClient, caller: dict[str, str], **params: Any) -> list[str]:
    response = await registry.get("/v1/projects", params=params, headers=caller)
    assert response.status_code == 200, response.text
    return sorted(item["title"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("given", "fy", "label", "start", "end"),
    [
        ("H30", 2018, "平成30年度", "2018-04-01", "2021-03-31"),
        ("令和元年度", 2019, "令和元年度", "2019-04-01", "2022-03-31"),
        ("R3", 2021, "令和3年度", "2021-04-01", "2024-03-31"),
        ("２０２１", 2021, "令和3年度", "2021-04-01", "2024-03-31"),
    ],
)
async def test_support_term_is_derived_from_the_selection_fiscal_year(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    given: str,
    fy: int,
    label: str,
    start: str,
    end: str,
) -> None:
    response = await create(registry, operator, selection_fiscal_year=given)

    body = response.json()
    assert (body["selection_fiscal_year"], body["selection_fiscal_year_label"]) == (fy, label)
    assert (body["term_start"], body["term_end"]) == (start, end)
    assert (body["status"], body["extensions"]) == ("supported", 0)
    assert body["proposers"] == [
        {"lg_code": "112071", "name": "秩父市", "prefecture": "埼玉県", "is_lead": True}
    ]
    assert response.headers["ETag"] == f'"project-{body["id"]}-v1"'
    assert response.headers["Location"] == f"/v1/projects/{body['id']}"
    assert body["created_at"].endswith("+09:00")


async def test_a_create_repeated_with_its_idempotency_key_creates_one_project(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    headers = {**operator, "Idempotency-Key": "create-once"}
    body = project_body(title="一度だけ")

    first = await registry.post("/v1/projects", json=body, headers=headers)
    again = await registry.post("/v1/projects", json=body, headers=headers)
    other = await registry.post("/v1/projects", json=project_body(title="別"), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert (other.status_code, other.json()["errors"][0]["rule"]) == (422, "idempotency_key_reused")
    assert await titles(registry, operator, q="一度だけ") == ["一度だけ"]


async def test_lead_comes_first_and_sections_are_kept(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    proposers = [{"lg_code": "112089"}, {"lg_code": "112071", "is_lead": True}]
    body = (await create(registry, operator, proposers=proposers)).json()

    assert [(p["lg_code"], p["is_lead"]) for p in body["proposers"]] == [
        ("112071", True),
        ("112089", False),
    ]
    assert body["technologies"] == ["IoT", "自動運転", "ドローン"]
    assert body["initiatives"] == [{"title": "ドローン物流事業", "description": "医薬品の配送"}]
    assert body["future_vision"] == "「秩父モデル」を構築する。"


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"proposers": [{"lg_code": "112071", "is_lead": True}, {"lg_code": "132012"}]},
         "body.proposers[1].lg_code", "unknown"),
        ({"proposers": [{"lg_code": "112072", "is_lead": True}]},
         "body.proposers[0].lg_code", "check_digit"),
        ({"proposers": [{"lg_code": "112071"}, {"lg_code": "112089"}]},
         "body.proposers", "one_lead"),
        ({"proposers": [{"lg_code": "112071", "is_lead": True}, {"lg_code": "112071"}]},
         "body.proposers[1].lg_code", "duplicate"),
        ({"technologies": ["IoT", "テレパシー"]}, "body.technologies.1", "technology"),
        ({"selection_fiscal_year": "令和0年度"}, "body.selection_fiscal_year", "fiscal_year"),
        ({"programme": "◎"}, "body.programme", "unknown"),
    ],
)  # fmt: skip
async def test_invalid_input_names_the_field_and_rule(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    overrides: dict[str, Any],
    field: str,
    rule: str,
) -> None:
    response = await registry.post("/v1/projects", json=project_body(**overrides), headers=operator)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]
    ]


async def test_technologies_match_the_vocabulary_in_any_width_or_case(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    body = (await create(registry, operator, technologies=["ｉｏｔ", "ﾄﾞﾛｰﾝ", "maas"])).json()

    assert body["technologies"] == ["IoT", "ドローン", "MaaS"]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2018-03-31", "not_started"),
        ("2018-04-01", "supported"),
        ("令和3年3月31日", "supported"),
        ("2021-04-01", "ended"),
    ],
)
async def test_status_as_of_follows_the_term(
    registry: httpx.AsyncClient, operator: dict[str, str], as_of: str, expected: str
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="H30")).json()

    response = await registry.get(
        f"/v1/projects/{project['id']}", params={"as_of": as_of}, headers=operator
    )

    assert response.status_code == 200
    assert response.json()["status_as_of"] == expected
    assert response.headers["ETag"] == f'"project-{project["id"]}-v1"'


async def test_municipality_sees_and_changes_only_its_own_projects(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    chichibu = (await create(registry, operator)).json()
    tokorozawa = (
        await create(registry, operator, title="所沢市の事業", proposers=[{"lg_code": "112089"}])
    ).json()
    own = token(Role.municipality, lg_code="112089")

    assert await titles(registry, bearer(own)) == ["所沢市の事業"]
    other = await registry.get(f"/v1/projects/{chichibu['id']}", headers=bearer(own))
    assert other.status_code == 403
    patch = await registry.patch(
        f"/v1/projects/{chichibu['id']}",
        json={"future_vision": "x"},
        headers={**bearer(own), "If-Match": f'"project-{chichibu["id"]}-v1"'},
    )
    assert patch.status_code == 403

    etag = f'"project-{tokorozawa["id"]}-v1"'
    title_change = await registry.patch(
        f"/v1/projects/{tokorozawa['id']}",
        json={"title": "別名"},
        headers={**bearer(own), "If-Match": etag},
    )
    assert title_change.status_code == 403
    sections = await registry.patch(
        f"/v1/projects/{tokorozawa['id']}",
        json={"future_vision": "新しい将来像", "initiatives": [{"title": "遠隔医療事業"}]},
        headers={**bearer(own), "If-Match": etag},
    )
    assert sections.status_code == 200, sections.text
    assert sections.json()["future_vision"] == "新しい将来像"
    assert sections.json()["initiatives"] == [{"title": "遠隔医療事業", "description": ""}]
    assert sections.headers["ETag"] == f'"project-{tokorozawa["id"]}-v2"'


async def test_partner_reads_but_does_not_write(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    await create(registry, operator)
    partner = token(Role.partner)

    assert await titles(registry, bearer(partner)) == [CHICHIBU_TITLE]
    refused = await registry.post("/v1/projects", json=project_body(), headers=bearer(partner))
    assert refused.status_code == 403


async def test_patch_needs_a_current_if_match_and_is_audited(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project = (await create(registry, operator)).json()
    url = f"/v1/projects/{project['id']}"
    change = {"title": "新しいタイトル", "technologies": ["AI"]}

    missing = await registry.patch(url, json=change, headers=operator)
    stale = await registry.patch(
        url, json=change, headers={**operator, "If-Match": '"project-x-v0"'}
    )
    done = await registry.patch(
        url, json=change, headers={**operator, "If-Match": f'"project-{project["id"]}-v1"'}
    )

    assert (missing.status_code, stale.status_code, done.status_code) == (428, 412, 200)
    assert done.json()["title"] == "新しいタイトル"
    assert done.json()["technologies"] == ["AI"]
    audit = await registry.get(
        "/v1/audit", params={"subject": f"project:{project['id']}"}, headers=operator
    )
    events = audit.json()["items"]
    assert [e["action"] for e in events] == ["project.created", "project.updated"]
    assert events[1]["before"]["title"] == CHICHIBU_TITLE
    assert events[1]["after"]["title"] == "新しいタイトル"
    assert await titles(registry, operator, q="新しい") == ["新しいタイトル"]


async def test_patching_proposers_moves_the_lead_and_the_search_key(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project = (await create(registry, operator)).json()
    proposers = [{"lg_code": "112071"}, {"lg_code": "112089", "is_lead": True}]

    response = await registry.patch(
        f"/v1/projects/{project['id']}",
        json={"proposers": proposers},
        headers={**operator, "If-Match": f'"project-{project["id"]}-v1"'},
    )

    assert response.status_code == 200, response.text
    assert [(p["name"], p["is_lead"]) for p in response.json()["proposers"]] == [
        ("所沢市", True),
        ("秩父市", False),
    ]
    assert await titles(registry, operator, q="ところざわ") == [CHICHIBU_TITLE]
    again = await registry.patch(
        f"/v1/projects/{project['id']}",
        json={"proposers": [{"lg_code": "112089"}]},
        headers={**operator, "If-Match": response.headers["ETag"]},
    )
    assert [p["lg_code"] for p in again.json()["proposers"]] == ["112089"]
    assert await titles(registry, operator, q="秩父市") == []


@pytest.mark.parametrize(
    "query",
    [
        "ｽﾏｰﾄﾓﾋﾞﾘﾃｨ",
        "スマート モビリティ",
        "スマート・モビリティ",
        "すまーともびりてぃ",
        "秩父",
        "ﾁﾁﾌﾞ",
    ],
)
async def test_search_finds_chichibu_from_spelling_variants(
    registry: httpx.AsyncClient, operator: dict[str, str], query: str
) -> None:
    await create(registry, operator)
    await create(registry, operator, title="富山市スマートシティ推進基盤利活用促進事業",
                 proposers=[{"lg_code": "162019"}])  # fmt: skip

    assert await titles(registry, operator, q=query) == [CHICHIBU_TITLE]


async def test_search_folds_full_width_alphanumerics(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    await create(registry, operator, title="秩父版ＭａａＳ事業")
    await create(registry, operator, title="「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY",
                 proposers=[{"lg_code": "220001"}])  # fmt: skip

    assert await titles(registry, operator, q="maas") == ["秩父版ＭａａＳ事業"]
    assert await titles(registry, operator, q="ｖｉｒｔｕａｌ shizuoka") == [
        "「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY"
    ]
    assert await titles(registry, operator, q="しずおか") == [
        "「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY"
    ]


async def test_list_filters(registry: httpx.AsyncClient, operator: dict[str, str]) -> None:
    await create(registry, operator)  # R2, 埼玉県, IoT/自動運転/ドローン
    await create(registry, operator, title="仙北市の事業", selection_fiscal_year="H30",
                 proposers=[{"lg_code": "052159"}], technologies=["AI"])  # fmt: skip

    assert await titles(registry, operator, fiscal_year="R2") == [CHICHIBU_TITLE]
    assert await titles(registry, operator, fiscal_year="平成30年度") == ["仙北市の事業"]
    assert await titles(registry, operator, technology="ドローン") == [CHICHIBU_TITLE]
    assert await titles(registry, operator, prefecture="埼玉県") == [CHICHIBU_TITLE]
    assert await titles(registry, operator, prefecture="5") == ["仙北市の事業"]
    assert await titles(registry, operator, programme="☆", supported_as_of="2021-08-24") == [
        CHICHIBU_TITLE
    ]
    assert await titles(registry, operator, supported_as_of="2019-01-01") == ["仙北市の事業"]
    assert await titles(registry, operator, status="ended", as_of="2021-08-24") == ["仙北市の事業"]
    # Both terms are over today (2021, 2023): the status filter says so before any sweep ran.
    assert len(await titles(registry, operator, status="ended")) == 2
    assert await titles(registry, operator, status="supported", as_of="2021-08-24") == [
        CHICHIBU_TITLE
    ]
    bad = await registry.get("/v1/projects", params={"fiscal_year": "R0"}, headers=operator)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.fiscal_year"


async def test_list_pages_with_a_next_link(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    for n in range(3):
        await create(registry, operator, title=f"事業{n}")

    first = (await registry.get("/v1/projects?limit=2", headers=operator)).json()
    second = (await registry.get(first["next"], headers=operator)).json()

    assert [i["title"] for i in first["items"]] == ["事業0", "事業1"]
    assert [i["title"] for i in second["items"]] == ["事業2"]
    assert second["next"] is None


async def test_activity_reports_are_put_per_fiscal_year(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    project = (await create(registry, operator)).json()
    url = f"/v1/projects/{project['id']}/activity-reports"
    chichibu = token(Role.municipality, lg_code="112071")

    created = await registry.put(
        f"{url}/R2", json={"body": "アンケートを実施"}, headers=bearer(chichibu)
    )
    replace_blind = await registry.put(f"{url}/2020", json={"body": "b"}, headers=bearer(chichibu))
    replaced = await registry.put(
        f"{url}/令和2年度",
        json={"body": "デモ走行"},
        headers={**bearer(chichibu), "If-Match": created.headers["ETag"]},
    )
    outside = await registry.put(f"{url}/R5", json={"body": "x"}, headers=operator)

    assert (created.status_code, replace_blind.status_code, replaced.status_code) == (201, 428, 200)
    assert outside.status_code == 422
    listed = (await registry.get(url, headers=bearer(token(Role.partner)))).json()["items"]
    assert listed == [
        {
            "project_id": project["id"],
            "fiscal_year": 2020,
            "fiscal_year_label": "令和2年度",
            "body": "デモ走行",
            "version": 2,
        }
    ]


async def test_a_withdrawn_project_counts_nowhere(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="R3")).json()

    response = await registry.patch(
        f"/v1/projects/{project['id']}",
        json={"status": "withdrawn"},
        headers={**operator, "If-Match": f'"project-{project["id"]}-v1"'},
    )
    again = await registry.patch(
        f"/v1/projects/{project['id']}",
        json={"status": "withdrawn"},
        headers={**operator, "If-Match": response.headers["ETag"]},
    )

    assert response.json()["status_as_of"] == "withdrawn"
    assert again.status_code == 409
    stats = await registry.get(
        "/v1/projects/stats", params={"as_of": "2021-08-24"}, headers=operator
    )
    assert stats.json()["total"] == 0
    assert await titles(registry, operator, supported_as_of="2021-08-24") == []
