"""The joint-review tests' world: the shared apps (tests/fixtures), with the registry on its seed's
programmes and grant schemes and five Hokkaido local governments, the clock in January 2022, and
request builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO
from libs.common.lg_code import with_check_digit
from services.review.joint_review.results.importer import import_results
from services.review.registry_client import RegistryClient
from tests.fixtures.apps import FrozenClock

# The seed's FY2021 results table, as `jisso seed` loads it (package data of the review service).
FY2021_TABLE = (
    Path(__file__).resolve().parents[3]
    / "services/review/joint_review/results/data/fy2021_results.csv"
)

# Local governments the tests apply with (codes with their check digits).
HOKKAIDO = with_check_digit("01000")  # 北海道 — prefecture
SAPPORO = with_check_digit("01100")  # 札幌市 — registered as 中枢中核都市
ASAHIKAWA = with_check_digit("01204")  # 旭川市 — municipality
MURORAN = with_check_digit("01205")  # 室蘭市 — municipality
OBIHIRO = with_check_digit("01207")  # 帯広市 — municipality
SENBOKU = "052159"  # 仙北市 — in the registry's seed, with an R1 ☆ project there

LOCAL_GOVERNMENTS = [
    (HOKKAIDO, "北海道", "ホッカイドウ", False),
    (SAPPORO, "札幌市", "サッポロシ", True),
    (ASAHIKAWA, "旭川市", "アサヒカワシ", False),
    (MURORAN, "室蘭市", "ムロランシ", False),
    (OBIHIRO, "帯広市", "オビヒロシ", False),
]
PROGRAMMES = [
    ("mirai-gijutsu", 9, 80_000_000),
    ("soumu-smart-city", 9, 690_000_000),
    ("meti-maas", 14, 500_000_000),
    ("mlit-japan-maas", 12, 100_000_000),
    ("mlit-smart-city-model", 5, 220_000_000),
]
NOW = datetime(2022, 1, 20, 10, 0, tzinfo=TOKYO)
# The clock is before the rounds' deadline (2022-02-18): a test that closes a round there closes
# it early, which takes a force and a reason (tests/review/joint/test_round_close.py).
EARLY_CLOSE = {"force": True, "reason": "試験: 締切前に締め切る"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def registry_app(registry_app: FastAPI, session: AsyncSession) -> FastAPI:
    """The shared registry app, on the seed's programmes, grant schemes and projects."""
    from services.registry.seed import seed_all

    await seed_all(session)
    await session.commit()  # a savepoint inside the test's transaction
    return registry_app


@pytest.fixture
async def registry(registry: httpx.AsyncClient, operator: dict[str, str]) -> httpx.AsyncClient:
    """The registry as an operator, with the test's local governments registered."""
    registry.headers.update(operator)
    for code, name, kana, central in LOCAL_GOVERNMENTS:
        body = {"code": code, "name": name, "kana": kana, "is_central_core_city": central}
        response = await registry.post("/v1/local-governments", json=body)
        assert response.status_code == 201, response.text
    return registry


@pytest.fixture
def review(review: httpx.AsyncClient, registry: httpx.AsyncClient) -> httpx.AsyncClient:
    """The shared review client (no default token: each call says who it is), once the test's
    local governments are registered."""
    return review


def round_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fiscal_year": "令和4年度",
        "call_opens_on": "2022-01-04",
        "deadline_at": "2022-02-18T12:00:00+09:00",
        "review_due_on": "2022-03-11",
        "announcement_on": "2022-03-31",
        "programmes": [
            {"programme_id": pid, "quota": quota, "budget_yen": budget}
            for pid, quota, budget in PROGRAMMES
        ],
    }
    return body | overrides


def application_body(
    lead: str = ASAHIKAWA,
    *,
    scheme: str = "suishin-senku",
    amounts: list[int] | None = None,
    programmes: list[str] | None = None,
    members: list[str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    amounts = amounts if amounts is not None else [100_000_000]
    body: dict[str, Any] = {
        "title": f"スマートシティ実装事業 {lead}",
        "region": {"label": f"地域 {lead}", "lg_codes": members or [lead], "lead_lg_code": lead},
        "programmes": programmes or ["mirai-gijutsu"],
        "scheme": scheme,
        "funding": [
            {"fiscal_year": 2022 + i, "amount_yen": amount} for i, amount in enumerate(amounts)
        ],
        "duration_years": max(len(amounts), 1),
    }
    return body | overrides


@pytest.fixture
def open_round(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> Callable[..., Any]:
    async def create(**overrides: Any) -> dict[str, Any]:
        response = await review.post(
            "/v1/joint-review-rounds", json=round_body(**overrides), headers=auth()
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create


@pytest.fixture
def apply(review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Callable[..., Any]:
    async def submit(round_id: str, body: dict[str, Any]) -> httpx.Response:
        return await review.post(
            f"/v1/joint-review-rounds/{round_id}/applications", json=body, headers=auth()
        )

    return submit


@pytest.fixture
async def fy2021(
    session: AsyncSession, review_registry_client: RegistryClient, registry: httpx.AsyncClient
) -> str:
    """The seed's FY2021 results table, imported as a closed round."""
    round_ = await import_results(
        session,
        programmes=await review_registry_client.programmes(),
        content=FY2021_TABLE.read_bytes(),
        fiscal_year=2021,
        actor="test",
        source=FY2021_TABLE.name,
    )
    await session.commit()
    return str(round_.id)
