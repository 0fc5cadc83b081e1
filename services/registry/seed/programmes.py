"""The smart-city programmes of the joint review (政府のスマートシティ関連事業) and the grant
schemes of 地方創生推進交付金 and デジタル田園都市国家構想推進交付金, as the seed document states
them.

Texts are verbatim; what the seed does not state (the TYPE1–3 caps, which it shows only as an
image; subsidy rates other than Society5.0's) is left null or empty rather than guessed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.programmes.schemas import ApplicantKind, programme_out
from services.registry.programmes.service import (
    list_programmes,
    save_grant_scheme,
    save_programme,
)

MIRAI_GIJUTSU = "mirai-gijutsu"  # ☆ 内閣府 未来技術社会実装事業
SOUMU_SMART_CITY = "soumu-smart-city"  # □ 総務省
METI_MAAS = "meti-maas"  # ○ 経済産業省 地域新MaaS創出推進事業
MLIT_JAPAN_MAAS = "mlit-japan-maas"  # ● 国土交通省 日本版MaaS推進・支援事業
MLIT_SMART_CITY_MODEL = "mlit-smart-city-model"  # ■ 国土交通省 スマートシティモデルプロジェクト

R3 = 2021  # the table's budgets are R3年度予算

# The names the FY2021 results table uses (its legend) and its notes on earlier names: □ is
# 「データ連携促進型…」 there, ※1 「データ利活用型…」 until FY2020; ● ※2 「新モビリティ…」 in
# FY2019.
# The programme table (this deck's own list) names both by their current names.
SOUMU_FY2021 = "データ連携促進型スマートシティ推進事業"
SOUMU_UNTIL_FY2020 = "データ利活用型スマートシティ推進事業"
MLIT_MAAS_FY2019 = "新モビリティサービス推進事業"
SOUMU_NAMES = {fy: SOUMU_UNTIL_FY2020 for fy in range(2017, 2021)} | {2021: SOUMU_FY2021}


def _years(
    counts: dict[int, int],
    *,
    r3_budget_yen: int | None,
    r3_budget_note: str = "",
    names: dict[int, str] | None = None,
) -> dict[int, dict[str, Any]]:
    """過去の選定数 by fiscal year, with the R3 budget on the FY2021 row and the name of each year
    the seed names otherwise (null: the current name)."""
    years: dict[int, dict[str, Any]] = {
        fy: {
            "budget_yen": None,
            "budget_note": "",
            "selection_count": n,
            "name": (names or {}).get(fy),
        }
        for fy, n in counts.items()
    }
    years[R3].update(budget_yen=r3_budget_yen, budget_note=r3_budget_note)
    return years


PROGRAMMES: dict[str, tuple[dict[str, Any], dict[int, dict[str, Any]]]] = {
    MIRAI_GIJUTSU: (
        {
            "mark": "☆",
            "ministry": "内閣府",
            "bureau": "地方創生推進事務局",
            "name": "未来技術社会実装事業",
            "former_names": [],
            "summary": "地域のSociety5.0の実現に向け、地方創生の観点から優れた自治体の未来技術の"
            "実装事業について、社会実装に向けた現地支援体制（地域実装協議会）を構築するなど、"
            "関係府省庁による総合的な支援を実施",
            "support_target": "社会実装に向けた関係府省庁による総合的な支援（各種補助金、"
            "制度的・技術的課題等に対する助言等）\n※事業の実施にあたっては、地方創生推進交付金等の"
            "各種交付金・補助金による支援を想定。",
            "contact": "未来技術実装担当 電話：03-6206-6175",
            "selection_count_note": "",
        },
        _years(
            {2018: 14, 2019: 8, 2020: 12, 2021: 9},
            r3_budget_yen=80_000_000,
            r3_budget_note="シンポジウム等、普及啓発を目的とした取組に係る費用",
        ),
    ),
    SOUMU_SMART_CITY: (
        {
            "mark": "□",
            "ministry": "総務省",
            "bureau": "情報流通行政局",
            "name": "地域課題解決のためのスマートシティ推進事業",
            "former_names": [
                {
                    "name": SOUMU_FY2021,
                    "until_fiscal_year": None,
                    "note": "令和3年度のスマートシティ関連事業の選定結果（凡例）での名称",
                },
                {
                    "name": SOUMU_UNTIL_FY2020,
                    "until_fiscal_year": 2020,
                    "note": "令和2年度までの施策名",
                },
            ],
            "summary": "地域が抱える様々な課題（防災、セキュリティ・見守り、買物支援など）を"
            "デジタル技術やデータの活用によって解決することを目指すスマートシティの実装を"
            "関係府省と一体的に推進",
            "support_target": "デジタル技術を活用したサービス・アセットの導入、都市OSの導入"
            "（整備・改修）等 (補助率1/2)",
            "contact": "地域通信振興課 ict-town(atmark)ml.soumu.go.jp",
            "selection_count_note": "",
        },
        _years(
            {2017: 6, 2018: 3, 2019: 5, 2020: 5, 2021: 9},
            r3_budget_yen=690_000_000,
            names=SOUMU_NAMES,
        ),
    ),
    MLIT_SMART_CITY_MODEL: (
        {
            "mark": "■",
            "ministry": "国土交通省",
            "bureau": "都市局",
            "name": "スマートシティモデルプロジェクト",
            "former_names": [],
            "summary": "スマートシティの分野で、世界の先導役となることを目指し、全国の牽引役となる"
            "先駆的な取組を行う先行モデルプロジェクトを募集し、スマートシティの取組を支援",
            "support_target": "実証実験\n※データ取得等に必要な情報化基盤施設の整備についても"
            "都市再生整備計画事業等により支援。",
            "contact": "スマートシティプロジェクトチーム hqt-smartcity-mlit(atmark)gxb.mlit.go.jp",
            "selection_count_note": "先行モデルプロジェクト選定数を記載",
        },
        _years({2019: 15, 2020: 7, 2021: 5}, r3_budget_yen=220_000_000),
    ),
    METI_MAAS: (
        {
            "mark": "○",
            "ministry": "経済産業省",
            "bureau": "製造産業局",
            "name": "地域新MaaS創出推進事業",
            "former_names": [],
            "summary": "地域における新しいモビリティサービスの社会実装に向けて、先進的かつ持続的な"
            "事業モデルの創出に向けた各地域でのMaaS実証を推進する。",
            "support_target": "地域の課題解決や全国での横展開に向けて、先進的かつ持続的な"
            "事業モデルの創出に向けたMaaS実証を委託事業として実施。",
            "contact": "自動車課 ITS・自動走行推進室担当 contact_mobility_pt(atmark)meti.go.jp",
            "selection_count_note": "",
        },
        # The budget is stated only as text, so no amount is stored.
        _years({2019: 13, 2020: 16, 2021: 14}, r3_budget_yen=None, r3_budget_note="数億円程度"),
    ),
    MLIT_JAPAN_MAAS: (
        {
            "mark": "●",
            "ministry": "国土交通省",
            "bureau": "総合政策局",
            "name": "日本版MaaS推進・支援事業",
            "former_names": [
                {
                    "name": MLIT_MAAS_FY2019,
                    "until_fiscal_year": 2019,
                    "note": "令和元年度の施策名",
                },
            ],
            "summary": "感染症拡大などにより変容した利用者ニーズへの対応や、公共交通等の利便性を"
            "面的に向上させる MaaS等の取組の普及を促進することで、公共交通等の移動サービスを"
            "高度化し、その利便性・効率性の向上を図る。",
            "support_target": "・新たな決済手段や新しい移動サービスの導入支援、運行情報等の"
            "デジタル化支援\n・広域的、先進的なMaaS等の取組についての支援",
            "contact": "総合政策局モビリティサービス推進課担当 "
            "hqt-mobilityservice2001(atmark)gxb.mlit.go.jp",
            "selection_count_note": "",
        },
        _years(
            {2019: 19, 2020: 36, 2021: 12},
            r3_budget_yen=100_000_000,
            r3_budget_note="ほか、R2年度第3次補正予算305億円の内数",
            names={2019: MLIT_MAAS_FY2019},
        ),
    ),
}

PREFECTURE, MUNICIPALITY, CENTRAL_CORE_CITY = (
    ApplicantKind.PREFECTURE,
    ApplicantKind.MUNICIPALITY,
    ApplicantKind.CENTRAL_CORE_CITY,
)
Rows = dict[str, dict[str, Any]]  # applicant kind → column values
SchemeSeed = tuple[dict[str, Any], Rows, Rows]  # (fields, caps, quotas)
SUISHIN = "地方創生推進交付金"
DIGIDEN = "デジタル田園都市国家構想推進交付金"

# 先駆 and 横展開 share one quota of new applications (one merged cell in the seed's table).
SUISHIN_QUOTAS: Rows = {
    PREFECTURE: {"max_new": 9, "max_wide_area": 3},
    MUNICIPALITY: {"max_new": 5, "max_wide_area": 1},
    CENTRAL_CORE_CITY: {"max_new": 7, "max_wide_area": 2},
}
# "※申請上限数：都道府県 9事業 市町村 5事業", stated once for the デジタル実装タイプ.
DIGIDEN_QUOTAS: Rows = {
    PREFECTURE: {"max_new": 9, "max_wide_area": None},
    MUNICIPALITY: {"max_new": 5, "max_wide_area": None},
}
DIGIDEN_CONDITIONS = [
    "デジタルを活用して地域の課題解決や魅力向上に取り組む",
    "コンソーシアムを形成する等、地域内外の関係と連携し、事業を実行的、継続的に推進するための"
    "体制の確立",
]
DIGIDEN_TYPE23 = "データ連携基盤を活用し、複数のサービス実装を伴う取組"
# "※TYPE 2・3については、…デジタル原則への準拠を求める。"
DIGITAL_PRINCIPLES = "官民および民間事業者間での相互連携性の確保など、デジタル原則への準拠"


def _caps(prefecture: int, municipality: int, central: int) -> Rows:
    return {
        PREFECTURE: {"yearly_cap_yen": prefecture},
        MUNICIPALITY: {"yearly_cap_yen": municipality},
        CENTRAL_CORE_CITY: {"yearly_cap_yen": central},
    }


def _scheme(grant: str, name: str, **rules: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "grant": grant,
        "name": name,
        "description": "",
        "budget_note": "",
        "subsidy_rate": None,
        "max_years": None,
        "quota_group": None,
        "outside_quota": False,
        "required_conditions": [],
    }
    return fields | rules


def _digiden(n: int, description: str, conditions: list[str]) -> SchemeSeed:
    # No caps: the seed shows the TYPE caps only as an image.
    fields = _scheme(
        DIGIDEN,
        f"デジタル実装タイプ TYPE{n}",
        description=description,
        budget_note="令和3年度補正一般会計 20,000百万円の内数",
        quota_group="digiden-jisso",
        required_conditions=conditions,
    )
    return fields, {}, DIGIDEN_QUOTAS


# id → (fields, caps, quotas)
GRANT_SCHEMES: dict[str, SchemeSeed] = {
    "suishin-senku": (
        _scheme(SUISHIN, "先駆タイプ", max_years=5, quota_group="suishin"),
        _caps(300_000_000, 200_000_000, 250_000_000),
        SUISHIN_QUOTAS,
    ),
    "suishin-yokotenkai": (
        _scheme(SUISHIN, "横展開タイプ", max_years=3, quota_group="suishin"),
        _caps(100_000_000, 70_000_000, 85_000_000),
        SUISHIN_QUOTAS,
    ),
    "suishin-society5": (
        _scheme(
            SUISHIN,
            "Society5.0タイプ",
            description="地域におけるSociety5.0の実現を推進するため、全国的なモデルとなる取組を"
            "支援する交付金として、地方創生推進交付金に「Society5.0タイプ」を創設（令和2年度から）。",
            budget_note="令和3年度予算 1,000億円の内数",
            subsidy_rate="1/2",
            max_years=5,
            outside_quota=True,
            required_conditions=[
                "国・専門家等の協働PDCAサイクルが存在",
                "既に一部実証済で、5年後までに本格実装",
                "Society5.0に向けた技術を活用し地域課題を解決、地方創生に寄与",
                "新たな社会システムづくりにチャレンジ",
            ],
        ),
        _caps(300_000_000, 300_000_000, 300_000_000),
        {},
    ),
    "digiden-type1": _digiden(
        1,
        "他の地域等で既に確立されている優良モデル・サービスを活用した実装の取組",
        DIGIDEN_CONDITIONS,
    ),
    "digiden-type2": _digiden(2, DIGIDEN_TYPE23, [*DIGIDEN_CONDITIONS, DIGITAL_PRINCIPLES]),
    "digiden-type3": _digiden(3, DIGIDEN_TYPE23, [*DIGIDEN_CONDITIONS, DIGITAL_PRINCIPLES]),
}


async def seed_programmes(session: AsyncSession) -> None:
    for programme_id, (fields, years) in PROGRAMMES.items():
        await save_programme(
            session, actor="seed", programme_id=programme_id, fields=fields, fiscal_years=years
        )
    for scheme_id, (fields, caps, quotas) in GRANT_SCHEMES.items():
        await save_grant_scheme(
            session, actor="seed", scheme_id=scheme_id, fields=fields, caps=caps, quotas=quotas
        )


async def programme_records(session: AsyncSession) -> list[dict[str, Any]]:
    """Every programme as ``GET /v1/programmes`` shows it: what ``jisso seed`` hands the review
    service for its legends (the composition root's bridge; services never import each other)."""
    rows = await list_programmes(session, mark=None, after=None, limit=1000)
    return [programme_out(row).model_dump(mode="json") for row in rows]
