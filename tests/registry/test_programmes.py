"""Programmes and grant schemes from the seed, on the real database through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import (
    GrantScheme,
    GrantSchemeCap,
    GrantSchemeQuota,
    Programme,
    ProgrammeFiscalYear,
)
from services.registry.programmes.schemas import oku_label
from services.registry.seed.local_governments import seed_local_governments
from services.registry.seed.programmes import seed_programmes
from tests.fixtures.clients import bearer


@pytest.fixture
async def seeded_programmes(session: AsyncSession) -> None:
    """The seed's programmes and grant schemes, which the API reads (it creates none)."""
    await seed_programmes(session)


async def get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("yen", "label"),
    [(300_000_000, "3.0億円"), (85_000_000, "0.85億円"), (690_000_000, "6.9億円"), (0, "0.0億円")],
)
def test_oku_label(yen: int, label: str) -> None:
    assert oku_label(yen) == label


@pytest.mark.usefixtures("seeded_programmes")
async def test_partner_reads_the_five_programmes(
    registry: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    page = await get_json(registry, "/v1/programmes", partner)
    assert {p["mark"]: p["name"] for p in page["items"]} == {
        "☆": "未来技術社会実装事業",
        "□": "地域課題解決のためのスマートシティ推進事業",
        "■": "スマートシティモデルプロジェクト",
        "○": "地域新MaaS創出推進事業",
        "●": "日本版MaaS推進・支援事業",
    }
    assert page["next"] is None
    marked = await get_json(registry, "/v1/programmes?mark=●", partner)
    assert [(p["ministry"], p["bureau"]) for p in marked["items"]] == [("国土交通省", "総合政策局")]


@pytest.mark.usefixtures("seeded_programmes")
async def test_future_tech_programme_holds_cohorts_and_budget(
    registry: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    response = await registry.get("/v1/programmes/mirai-gijutsu", headers=partner)
    assert response.headers["ETag"] == '"programme-mirai-gijutsu-v1"'
    body = response.json()
    years = {y["fiscal_year_label"]: y for y in body["fiscal_years"]}
    assert {label: y["selection_count"] for label, y in years.items()} == {
        "平成30年度": 14,
        "令和元年度": 8,
        "令和2年度": 12,
        "令和3年度": 9,
    }
    r3 = years["令和3年度"]
    assert (r3["fiscal_year"], r3["budget_yen"], r3["budget_label"]) == (
        2021,
        80_000_000,
        "0.8億円",
    )
    assert r3["budget_note"] == "シンポジウム等、普及啓発を目的とした取組に係る費用"
    assert body["contact"] == "未来技術実装担当 電話：03-6206-6175"


@pytest.mark.usefixtures("seeded_programmes")
async def test_budgets_given_as_text_keep_no_amount(
    registry: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    meti = await get_json(registry, "/v1/programmes/meti-maas", partner)
    r3 = next(y for y in meti["fiscal_years"] if y["fiscal_year"] == 2021)
    assert (r3["budget_yen"], r3["budget_label"], r3["budget_note"]) == (None, None, "数億円程度")
    soumu = await get_json(registry, "/v1/programmes/soumu-smart-city", partner)
    r3 = next(y for y in soumu["fiscal_years"] if y["fiscal_year"] == 2021)
    assert (r3["budget_yen"], r3["budget_label"]) == (690_000_000, "6.9億円")
    assert soumu["contact"] == "地域通信振興課 ict-town(atmark)ml.soumu.go.jp"
    assert [y["fiscal_year"] for y in soumu["fiscal_years"]] == [2017, 2018, 2019, 2020, 2021]
    former = {f["name"]: f["until_fiscal_year_label"] for f in soumu["former_names"]}
    assert former["データ利活用型スマートシティ推進事業"] == "令和2年度"
    maas = await get_json(registry, "/v1/programmes/mlit-japan-maas", partner)
    assert [(f["name"], f["until_fiscal_year"]) for f in maas["former_names"]] == [
        ("新モビリティサービス推進事業", 2019)
    ]


@pytest.mark.usefixtures("seeded_programmes")
async def test_each_fiscal_year_carries_the_name_that_years_tables_print(
    registry: httpx.AsyncClient, partner: dict[str, str], operator: dict[str, str]
) -> None:
    """□ 「データ連携促進型…」 in FY2021 and ※1 「データ利活用型…」 until FY2020; ● ※2
    「新モビリティサービス推進事業」 in FY2019 (the FY2021 results table's legend); else the
    current name."""
    soumu = await get_json(registry, "/v1/programmes/soumu-smart-city", partner)
    assert {y["fiscal_year"]: y["name"] for y in soumu["fiscal_years"]} == {
        2017: "データ利活用型スマートシティ推進事業",
        2018: "データ利活用型スマートシティ推進事業",
        2019: "データ利活用型スマートシティ推進事業",
        2020: "データ利活用型スマートシティ推進事業",
        2021: "データ連携促進型スマートシティ推進事業",
    }
    assert (soumu["name"], soumu["ministry"]) == (
        "地域課題解決のためのスマートシティ推進事業",
        "総務省",
    )
    maas = await get_json(registry, "/v1/programmes/mlit-japan-maas", partner)
    assert [(y["fiscal_year"], y["name"]) for y in maas["fiscal_years"]] == [
        (2019, "新モビリティサービス推進事業"),
        (2020, "日本版MaaS推進・支援事業"),
        (2021, "日本版MaaS推進・支援事業"),
    ]
    # An operator records a year's name; a change that does not send it leaves it as it is.
    url = "/v1/programmes/soumu-smart-city"
    etag = (await registry.get(url, headers=operator)).headers["ETag"]
    renamed = {
        "fiscal_years": [
            {"fiscal_year": "R4", "name": "地域課題解決のためのスマートシティ推進事業"}
        ]
    }
    response = await registry.patch(url, json=renamed, headers={**operator, "If-Match": etag})
    assert response.status_code == 200, response.text
    count_only = {"fiscal_years": [{"fiscal_year": 2021, "selection_count": 9}]}
    etag = response.headers["ETag"]
    response = await registry.patch(url, json=count_only, headers={**operator, "If-Match": etag})
    assert response.status_code == 200, response.text
    names = {y["fiscal_year"]: y["name"] for y in response.json()["fiscal_years"]}
    assert (names[2021], names[2022]) == (
        "データ連携促進型スマートシティ推進事業",
        "地域課題解決のためのスマートシティ推進事業",
    )


@pytest.mark.usefixtures("seeded_programmes")
async def test_patch_programme_needs_if_match_and_bumps_the_etag(
    registry: httpx.AsyncClient, operator: dict[str, str], partner: dict[str, str]
) -> None:
    url = "/v1/programmes/mirai-gijutsu"
    change = {"fiscal_years": [{"fiscal_year": "R4", "selection_count": 7}]}
    assert (await registry.patch(url, json=change, headers=operator)).status_code == 428
    stale = await registry.patch(
        url, json=change, headers={**operator, "If-Match": '"programme-mirai-gijutsu-v9"'}
    )
    assert stale.status_code == 412
    forbidden = await registry.patch(url, json=change, headers={**partner, "If-Match": "*"})
    assert forbidden.status_code == 403
    response = await registry.patch(
        url, json=change, headers={**operator, "If-Match": '"programme-mirai-gijutsu-v1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"programme-mirai-gijutsu-v2"'
    r4 = response.json()["fiscal_years"][-1]
    assert (r4["fiscal_year"], r4["fiscal_year_label"], r4["selection_count"]) == (
        2022,
        "令和4年度",
        7,
    )
    again = await get_json(registry, url, operator)
    assert [y["fiscal_year"] for y in again["fiscal_years"]] == [2018, 2019, 2020, 2021, 2022]


@pytest.mark.usefixtures("seeded_programmes")
async def test_patch_refuses_an_unreadable_fiscal_year(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await registry.patch(
        "/v1/programmes/mirai-gijutsu",
        json={"summary": "x", "fiscal_years": [{"fiscal_year": "令和ゼロ年度"}]},
        headers={**operator, "If-Match": "*"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.fiscal_years.0.fiscal_year"
    unchanged = await get_json(registry, "/v1/programmes/mirai-gijutsu", operator)
    assert unchanged["summary"].startswith("地域のSociety5.0の実現に向け")


def caps_of(scheme: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (c["applicant_kind"], c["yearly_cap_yen"], c["yearly_cap_label"]) for c in scheme["caps"]
    ]


def quotas_of(scheme: dict[str, Any]) -> list[tuple[str, int, int | None]]:
    return [(q["applicant_kind"], q["max_new"], q["max_wide_area"]) for q in scheme["quotas"]]


@pytest.mark.usefixtures("seeded_programmes")
async def test_senku_and_yokotenkai_caps_years_and_shared_quota(
    registry: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    senku = await get_json(registry, "/v1/grant-schemes/suishin-senku", partner)
    assert caps_of(senku) == [
        ("prefecture", 300_000_000, "3.0億円"),
        ("municipality", 200_000_000, "2.0億円"),
        ("central_core_city", 250_000_000, "2.5億円"),
    ]
    yoko = await get_json(registry, "/v1/grant-schemes/suishin-yokotenkai", partner)
    assert caps_of(yoko) == [
        ("prefecture", 100_000_000, "1.0億円"),
        ("municipality", 70_000_000, "0.7億円"),
        ("central_core_city", 85_000_000, "0.85億円"),
    ]
    assert (senku["max_years"], yoko["max_years"]) == (5, 3)
    quotas = [("prefecture", 9, 3), ("municipality", 5, 1), ("central_core_city", 7, 2)]
    assert quotas_of(senku) == quotas_of(yoko) == quotas
    assert senku["quota_group"] == yoko["quota_group"] == "suishin"
    assert (senku["outside_quota"], senku["subsidy_rate"]) == (False, None)


@pytest.mark.usefixtures("seeded_programmes")
async def test_society5_is_outside_the_quota_with_four_conditions(
    registry: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    municipality = bearer(token(Role.municipality, lg_code="112071"))
    scheme = await get_json(registry, "/v1/grant-schemes/suishin-society5", municipality)
    assert caps_of(scheme) == [
        ("prefecture", 300_000_000, "3.0億円"),
        ("municipality", 300_000_000, "3.0億円"),
        ("central_core_city", 300_000_000, "3.0億円"),
    ]
    assert (scheme["outside_quota"], scheme["quotas"], scheme["quota_group"]) == (True, [], None)
    assert (scheme["subsidy_rate"], scheme["max_years"]) == ("1/2", 5)
    assert scheme["required_conditions"] == [
        "国・専門家等の協働PDCAサイクルが存在",
        "既に一部実証済で、5年後までに本格実装",
        "Society5.0に向けた技術を活用し地域課題を解決、地方創生に寄与",
        "新たな社会システムづくりにチャレンジ",
    ]


@pytest.mark.usefixtures("seeded_programmes")
async def test_digital_implementation_types_have_quotas_and_no_invented_caps(
    registry: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    page = await get_json(
        registry, "/v1/grant-schemes?grant=デジタル田園都市国家構想推進交付金", partner
    )
    schemes = {s["name"]: s for s in page["items"]}
    assert sorted(schemes) == [
        "デジタル実装タイプ TYPE1",
        "デジタル実装タイプ TYPE2",
        "デジタル実装タイプ TYPE3",
    ]
    for scheme in schemes.values():
        assert scheme["caps"] == []
        assert quotas_of(scheme) == [("prefecture", 9, None), ("municipality", 5, None)]
        assert (scheme["subsidy_rate"], scheme["max_years"]) == (None, None)
    assert len(schemes["デジタル実装タイプ TYPE1"]["required_conditions"]) == 2
    assert schemes["デジタル実装タイプ TYPE3"]["required_conditions"][-1].endswith(
        "デジタル原則への準拠"
    )
    everything = await get_json(registry, "/v1/grant-schemes?limit=4", partner)
    assert len(everything["items"]) == 4 and everything["next"] is not None
    rest = await get_json(registry, everything["next"], partner)
    assert len(rest["items"]) == 2 and rest["next"] is None
    missing = await registry.get("/v1/grant-schemes/unknown", headers=partner)
    assert missing.status_code == 404


SEEDED_TABLES = (
    LocalGovernment,
    Programme,
    ProgrammeFiscalYear,
    GrantScheme,
    GrantSchemeCap,
    GrantSchemeQuota,
    AuditEvent,
)


async def table_state(session: AsyncSession) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for model in SEEDED_TABLES:
        state[model.__tablename__] = await session.scalar(select(func.count()).select_from(model))
    for model in (LocalGovernment, Programme, GrantScheme):
        state[f"{model.__tablename__}.version"] = await session.scalar(
            select(func.sum(model.version))
        )
    return state


async def test_seed_twice_changes_nothing(session: AsyncSession) -> None:
    await seed_local_governments(session)
    await seed_programmes(session)
    first = await table_state(session)
    assert (first["local_governments"], first["programmes"], first["grant_schemes"]) == (7, 5, 6)
    assert first["programme_fiscal_years"] == 4 + 5 + 3 + 3 + 3
    assert first["grant_scheme_caps"] == 9
    assert first["grant_scheme_quotas"] == 3 + 3 + 2 * 3
    await seed_local_governments(session)
    await seed_programmes(session)
    assert await table_state(session) == first
