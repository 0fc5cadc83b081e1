"""The FY2019 (令和元年度) cohort in the registry, made through its API, and review helpers.

The five projects the seed lists as continued on 令和3年12月17日 keep their real proposers and
titles; the seed does not name the three that ended, so they are test projects (titles say 試験用).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.programmes.models import Programme
from services.review.models import outbox

Auth = Callable[..., dict[str, str]]


@dataclass(frozen=True)
class Cohort:
    lg_code: str
    name: str
    kana: str
    title: str


CONTINUED = (
    Cohort(
        "052159", "仙北市", "センボクシ", "近未来技術を活用した仙北市版グローバルイノベーション"
    ),
    Cohort("162019", "富山市", "トヤマシ", "富山市スマートシティ推進基盤利活用促進事業"),
    Cohort(
        "212016",
        "岐阜市",
        "ギフシ",
        "階層構造の公共交通ネットワークへの自動運転の展開により"
        "地域先進モビリティシステムを構築する地域活性化事業",
    ),
    Cohort(
        "220001", "静岡県", "シズオカケン", "「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY"
    ),
    Cohort(
        "342076",
        "福山市",
        "フクヤマシ",
        "先端技術を活用した地域課題解決実証事業 ～「まるごと実験都市福山」の推進～",
    ),
)
ENDED = (
    Cohort("082201", "つくば市", "ツクバシ", "（試験用）つくば市 未来技術社会実装事業"),
    Cohort("072028", "会津若松市", "アイヅワカマツシ", "（試験用）会津若松市 未来技術社会実装事業"),
    Cohort("172065", "加賀市", "カガシ", "（試験用）加賀市 未来技術社会実装事業"),
)
# Selected in FY2020 (R2): its term ends in FY2022, so it is never in the FY2021 cycle.
CHICHIBU = Cohort(
    "112071", "秩父市", "チチブシ", "山間地域におけるスマートモビリティによる生活交通・物流融合事業"
)
COUNCIL_UNIVERSITY = "早稲田大学"  # sits on 富山市's council in these tests


@dataclass(frozen=True)
class Project:
    id: str
    lg_code: str
    title: str
    contact_email: str


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def ensure_programme(session: AsyncSession) -> None:
    """The ☆ programme; the registry has no create endpoint for programmes (the seed loads them)."""
    if await session.scalar(select(Programme).where(Programme.mark == "☆")) is None:
        session.add(
            Programme(
                id="cao-future-tech",
                mark="☆",
                ministry="内閣府",
                bureau="地方創生推進事務局",
                name="未来技術社会実装事業",
            )
        )
        await session.flush()


async def create_project(
    registry: httpx.AsyncClient, auth: Auth, item: Cohort, *, selection_fiscal_year: str
) -> Project:
    operator = auth(Role.operator)
    lg = await registry.post(
        "/v1/local-governments",
        json={"code": item.lg_code, "name": item.name, "kana": item.kana},
        headers=operator,
    )
    assert lg.status_code in (201, 409), lg.text
    project = ok(
        await registry.post(
            "/v1/projects",
            json={
                "title": item.title,
                "proposers": [{"lg_code": item.lg_code, "is_lead": True}],
                "selection_fiscal_year": selection_fiscal_year,
            },
            headers=operator,
        ),
        201,
    )
    await add_council(registry, auth, project["id"], item)
    email = f"contact-{item.lg_code}@example.jp"
    contact = ok(
        await registry.post(
            "/v1/contacts",
            json={
                "name": f"{item.name} 未来技術担当",
                "email": email,
                "organisation": item.name,
                "stakeholder_category": "local_government",
                "lg_code": item.lg_code,
            },
            headers=operator,
        ),
        201,
    )
    ok(
        await registry.post(
            f"/v1/contacts/{contact['id']}/links",
            json={"project_id": project["id"]},
            headers=operator,
        ),
        201,
    )
    return Project(project["id"], item.lg_code, item.title, email)


async def add_council(
    registry: httpx.AsyncClient, auth: Auth, project_id: str, item: Cohort
) -> None:
    operator = auth(Role.operator)
    council = ok(
        await registry.post(
            f"/v1/projects/{project_id}/council",
            json={"name": f"{item.name} 地域実装協議会"},
            headers=operator,
        ),
        201,
    )
    members = [
        {"organisation": item.name, "category": "local_government", "lg_code": item.lg_code},
        {"organisation": "（株）未来交通", "category": "private_company"},
    ]
    if item.name == "富山市":
        members.append({"organisation": COUNCIL_UNIVERSITY, "category": "university"})
    for member in members:
        ok(
            await registry.post(
                f"/v1/councils/{council['id']}/members", json=member, headers=operator
            ),
            201,
        )


async def create_cohort(
    session: AsyncSession, registry: httpx.AsyncClient, auth: Auth
) -> tuple[list[Project], list[Project]]:
    """The eight R1 projects: (the five that continue, the three that end)."""
    await ensure_programme(session)
    continued = [
        await create_project(registry, auth, item, selection_fiscal_year="令和元年度")
        for item in CONTINUED
    ]
    ended = [
        await create_project(registry, auth, item, selection_fiscal_year="R1") for item in ENDED
    ]
    return continued, ended


FY2021_CYCLE = {
    "fiscal_year": "令和3年度",
    "opens_at": "2021-09-01T10:00:00",
    "deadline": "2021-10-31T17:00:00",  # a Sunday: moves to Monday 1 November
    "review_due": "2021-11-30T17:00:00+09:00",
    "decision_due": "2021-12-17T17:00:00+09:00",
}
SECTIONS = {
    "future_vision": "未来技術で地域の移動と物流を支える持続可能なまちを目指す。",
    "achievements": "実証を経て定常運行を開始し、利用者は前年度比1.5倍となった。",
    "plan": "令和4年度から対象地域を拡大し、民間事業者による自走化を図る。",
    "attachments": [
        {
            "name": "継続申請書.pdf",
            "media_type": "application/pdf",
            "size_bytes": 482113,
            "sha256": "ab" * 32,
        }
    ],
}


async def outbox_rows(session: AsyncSession, function: str) -> list[dict[str, Any]]:
    """Payloads of the review outbox's messages to ``function``, oldest first."""
    rows = await session.execute(
        select(outbox.c.payload)
        .where(outbox.c.function == function)
        .order_by(outbox.c.created_at, outbox.c.id)
    )
    return [row.payload for row in rows]


async def notices(session: AsyncSession, kind: str) -> list[dict[str, Any]]:
    return [p for p in await outbox_rows(session, "send_transactional") if p["kind"] == kind]


class Steps:
    """What people do in a continuation review, over the review API."""

    def __init__(self, review: httpx.AsyncClient, auth: Auth) -> None:
        self.review = review
        self.auth = auth

    @property
    def operator(self) -> dict[str, str]:
        return self.auth(Role.operator)

    def lead(self, lg_code: str) -> dict[str, str]:
        return self.auth(Role.municipality, lg_code=lg_code, subject=f"lg-{lg_code}")

    def reviewer(self, subject: str) -> dict[str, str]:
        return self.auth(Role.reviewer, programme="☆", subject=subject)

    async def open_cycle(self, **overrides: Any) -> dict[str, Any]:
        body = {**FY2021_CYCLE, **overrides}
        return ok(
            await self.review.post("/v1/continuation-cycles", json=body, headers=self.operator), 201
        )

    async def draft(self, cycle_id: str, project: Project) -> tuple[str, str]:
        """Draft with every section filled; (application id, ETag)."""
        response = await self.review.post(
            f"/v1/continuation-cycles/{cycle_id}/applications",
            json={"project_id": project.id, **SECTIONS},
            headers=self.lead(project.lg_code),
        )
        body = ok(response, 201)
        return body["id"], response.headers["ETag"]

    async def submit(self, application_id: str, etag: str, lg_code: str) -> httpx.Response:
        return await self.review.post(
            f"/v1/continuation-applications/{application_id}/submission",
            headers={**self.lead(lg_code), "If-Match": etag},
        )

    async def etag(self, application_id: str) -> str:
        response = await self.review.get(
            f"/v1/continuation-applications/{application_id}", headers=self.operator
        )
        ok(response)
        return response.headers["ETag"]

    async def register_reviewer(
        self, subject: str, organisation: str, lg_code: str | None = None
    ) -> None:
        body = {
            "subject": subject,
            "name": f"{subject} 氏",
            "email": f"{subject}@example.ac.jp",
            "organisation": organisation,
            "lg_code": lg_code,
        }
        ok(await self.review.post("/v1/reviewers", json=body, headers=self.operator), 201)

    async def assign(self, application_id: str, subject: str) -> httpx.Response:
        return await self.review.post(
            f"/v1/continuation-applications/{application_id}/assignments",
            json={"reviewer_subject": subject},
            headers=self.operator,
        )

    async def assess(self, application_id: str, subject: str, score: int = 4) -> dict[str, Any]:
        """Save a draft with every criterion scored, then submit it."""
        scores = {
            c: {"score": score, "comment": f"{c}: 具体的で実現性が高い"}
            for c in ("future_vision", "achievements", "plan")
        }
        url = f"/v1/continuation-applications/{application_id}/assessment"
        saved = await self.review.put(url, json=scores, headers=self.reviewer(subject))
        ok(saved)
        submitted = await self.review.post(
            f"{url}/submission",
            headers={**self.reviewer(subject), "If-Match": saved.headers["ETag"]},
        )
        return ok(submitted)

    async def decide(self, application_id: str, outcome: str = "approved") -> httpx.Response:
        return await self.review.post(
            f"/v1/continuation-applications/{application_id}/decision",
            json={"outcome": outcome, "reason": "事業成果が十分であり、今後の計画も具体的である"},
            headers={**self.operator, "If-Match": await self.etag(application_id)},
        )
