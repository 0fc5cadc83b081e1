"""Projects the seed document states: the five FY2019 continuations and the Chichibu project.

Source: 「未来技術社会実装事業における最近の取組」（令和4年2月9日 内閣府地方創生推進事務局）.
Only what it says is stored: the continuation table gives proposers and titles (no technologies);
the Chichibu pages give its sections, initiatives and 2020年度の主な取組. Idempotent by
(selection fiscal year, title): a project that exists is left as it is, with all it holds.
What it publishes about projects it does not name (38 supported, the cohorts' sizes …) is stored
as published figures (``seed/figures.py``), never as rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import InvalidInput
from services.registry.projects import reports, service, terms
from services.registry.projects.schemas import Initiative, ProjectCreate, ProposerIn, Technology
from services.registry.seed.figures import seed_figures

SEED = Principal(subject="seed", role=Role.operator)
REVIEW = Principal(subject="seed", role=Role.service)
CONTINUATION_DATE = "2021-12-17"  # 継続事業一覧（令和元年度選定事業） 令和3年12月17日付


@dataclass(frozen=True)
class Continuation:
    number: int
    lg_code: str
    title: str


CONTINUATIONS = (
    Continuation(1, "052159", "近未来技術を活用した仙北市版グローバルイノベーション"),
    Continuation(2, "162019", "富山市スマートシティ推進基盤利活用促進事業"),
    Continuation(
        3,
        "212016",
        "階層構造の公共交通ネットワークへの自動運転の展開により"
        "地域先進モビリティシステムを構築する地域活性化事業",
    ),
    Continuation(4, "220001", "「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY"),
    Continuation(
        5, "342076", "先端技術を活用した地域課題解決実証事業 ～「まるごと実験都市福山」の推進～"
    ),
)

CHICHIBU = ProjectCreate(
    title="山間地域におけるスマートモビリティによる生活交通・物流融合事業",
    proposers=[ProposerIn(lg_code="112071", is_lead=True)],
    technologies=[Technology.IOT, Technology.AUTONOMOUS_DRIVING, Technology.DRONE],
    selection_fiscal_year=2020,  # 事例集の見出し「未来技術社会実装事業 (令和2年度選定) 事例集」
    future_vision="\n".join(
        (
            "未来技術を活用し、人とモノの移動の困難さに着目した山間地域での物流・公共交通ネットワーク"
            "「秩父モデル」を構築する。また、同時に複数のサービスを有機的につなげる"
            "「秩父版MaaSプラットフォーム」を創出する。",
            "新たな事業や産業を誘致し、雇用の創出につなげて人口減少や流出を抑制し、地域の活力を生み出す。",
        )
    ),
    regional_issues="\n".join(
        (
            "首都圏の埼玉県にありながら、山間地を多く抱え、災害時はもとより、平時から生活交通・物流等の"
            "生活インフラを維持する新たなモデル構築が必要となっている。",
            "山間地の住民の多くが高齢者であり、今後、医療受診が買物等の移動が困難となる状況が予想される。",
        )
    ),
    summary="未来技術を活用し、人とモノの移動の困難さに着目した山間地域での物流・公共交通ネットワーク"
    "「秩父モデル」を構築することで、新たな事業や産業を誘致し、雇用の創出につなげて人口減少や流出を"
    "抑制し、地域の活力を生み出す。",
    initiatives=[
        Initiative(
            title="ドローン物流事業",
            description="ドローンを活用して日常の生活用品や医薬品の配送を行い、高齢者や買い物弱者への"
            "支援を行う。また、この取り組みにより、災害時における交通インフラ寸断の際の物資輸送の"
            "ルートを確認する。",
        ),
        Initiative(
            title="遠隔医療事業",
            description="高齢者が多い山間地域での医療を確保するため、IoTや5Gなどの未来技術を活用して"
            "オンライン診療を導入し、地域内の医療機関との連携により、受診困難者への支援体制を構築する。",
        ),
        Initiative(
            title="秩父版MaaS（貨客混載・EVカーシェアリング）事業",
            description="既存の物流・交通網を生かしながら、地域住民の生活の足の維持と観光客を含めた"
            "交流人口の利便性の向上に資する公共交通システムを自動運転（配送）の技術を組み交ぜ構築する。",
        ),
    ],
)

CHICHIBU_REPORT_FY = 2020
CHICHIBU_REPORT = "\n".join(  # 2020年度の主な取組 (as written, including its cut-off sentence)
    (
        "地域課題やニーズ把握を目的に、大滝地域の住民向けにアンケートを実施(2020年10月、2021年1月)",
        "2020年12月、本庄早稲田国際リサーチパークにて、早稲田大学理工学術院 小野田教授により"
        "小型電動モビリティ自動走行の実験を実施。3月に実施した「未来技術披露会」では市内住民向けに"
        "デモ走行を。",
        "サービス統合共通基盤となる「秩父版MaaSプラットフォーム」の構築に向けて、"
        "機能及び運用スキームの設計を検討。",
    )
)


async def _continuation(session: AsyncSession, item: Continuation) -> None:
    if await service.find_project(session, fiscal_year=2019, title=item.title) is not None:
        return
    data = ProjectCreate(
        title=item.title,
        proposers=[ProposerIn(lg_code=item.lg_code, is_lead=True)],
        selection_fiscal_year=2019,
    )
    project = await service.create_project(session, actor=SEED, data=data)
    await terms.extend_term(
        session,
        principal=REVIEW,
        project_id=project.id,
        decision_id=f"seed:continuation:{CONTINUATION_DATE}:{item.number}",
        reason="令和3年12月17日付 継続事業一覧（令和元年度選定事業）",
        decided_on=date.fromisoformat(CONTINUATION_DATE),
    )


async def _chichibu(session: AsyncSession) -> None:
    if await service.find_project(session, fiscal_year=2020, title=CHICHIBU.title) is not None:
        return
    project = await service.create_project(session, actor=SEED, data=CHICHIBU)
    await reports.put_report(
        session,
        principal=SEED,
        project_id=project.id,
        fiscal_year=CHICHIBU_REPORT_FY,
        body=CHICHIBU_REPORT,
        if_match=None,
    )


async def seed_projects(session: AsyncSession) -> None:
    """Needs the ☆ programme and the six proposers' local governments seeded first."""
    try:
        await service.resolve_programme(session, service.FUTURE_TECH_MARK, "programme")
    except InvalidInput as err:
        raise RuntimeError("seed the programmes first: no programme has the mark ☆") from err
    for item in CONTINUATIONS:
        await _continuation(session, item)
    await _chichibu(session)
    # What the document publishes about the projects it does not name: figures, never rows.
    await seed_figures(session)
