"""``GET /v1/projects/{id}/term-history``: selection, each continuation with its decision and
reason, the end with its reason, from what the registry stored; read as the project is read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from libs.common.auth import Principal, Role
from libs.common.db import async_url
from libs.common.migrations import upgrade
from libs.common.settings import load_settings
from services.registry.projects import repository
from services.registry.projects.expiry import end_expired_terms
from services.registry.projects.history import term_history
from services.registry.seed import run_seed
from tests.databases import scratch_database
from tests.fixtures.clients import bearer
from tests.registry.projects_support import create

pytestmark = pytest.mark.usefixtures("project_world")


async def history(
    registry: httpx.AsyncClient, caller: dict[str, str], project_id: str
) -> dict[str, Any]:
    response = await registry.get(f"/v1/projects/{project_id}/term-history", headers=caller)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def steps(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["kind"], e["on"], e["term_end"], e["reason"], e["decision_id"], e["superseded"])
        for e in body["events"]
    ]


async def post(
    registry: httpx.AsyncClient, caller: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    response = await registry.post(path, json=body, headers=caller)
    assert response.status_code == 200, response.text


async def test_a_continued_project_that_ended_by_decision(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    project_id = (await create(registry, operator, selection_fiscal_year="R1")).json()["id"]
    base = f"/v1/projects/{project_id}"
    approval = {"decision_id": "d-1", "reason": "継続承認", "decided_on": "令和3年12月17日"}
    await post(registry, service_caller, f"{base}/term-extensions", approval)
    end = {"decision_id": "term-end:c-9", "reason": "継続承認なし（支援期間満了）"}
    await post(registry, service_caller, f"{base}/term-end", end)

    body = await history(registry, operator, project_id)

    assert (body["selection_fiscal_year_label"], body["initial_term_end"], body["term_end"]) == (
        "令和元年度",
        "2022-03-31",
        "2024-03-31",
    )
    assert (body["status"], body["extensions"], body["end_reason"]) == (
        "ended",
        1,
        "継続承認なし（支援期間満了）",
    )
    assert steps(body) == [
        ("selected", "2019-04-01", "2022-03-31", "令和元年度選定", None, False),
        ("extended", "2021-12-17", "2024-03-31", "継続承認", "d-1", False),
        (
            "ended",
            "2024-03-31",
            "2024-03-31",
            "継続承認なし（支援期間満了）",
            "term-end:c-9",
            False,
        ),
    ]
    assert body["events"][1]["decided_on"] == "2021-12-17"
    assert body["events"][2]["decided_on"] is None
    assert body["events"][1]["recorded_at"].endswith("+09:00")


async def test_an_expiry_then_the_reviews_end_and_a_late_approval(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    ended = (await create(registry, operator, title="終了", selection_fiscal_year="H30")).json()
    late = (await create(registry, operator, title="遅い承認", selection_fiscal_year="H30")).json()
    await end_expired_terms(session, today=date(2021, 4, 1))
    reason = "継続申請なし（支援期間満了）"
    item = {"project_id": ended["id"], "decision_id": "review-end", "reason": reason}
    await post(registry, service_caller, "/v1/projects/term-ends", {"items": [item]})
    extension = {"decision_id": "late-approval", "reason": "継続承認"}
    await post(registry, service_caller, f"/v1/projects/{late['id']}/term-extensions", extension)

    first, second = (
        await history(registry, operator, ended["id"]),
        await history(registry, operator, late["id"]),
    )

    expiry = f"expiry:{ended['id']}:2021-03-31"
    assert steps(first)[1:] == [
        ("expired", "2021-03-31", "2021-03-31", "支援期間満了", expiry, True),
        ("ended", "2021-03-31", "2021-03-31", reason, "review-end", False),
    ]
    assert first["end_reason"] == reason
    assert [e["kind"] for e in second["events"]] == ["selected", "expired", "extended"]
    assert second["events"][1]["superseded"] is True
    assert (second["status"], second["term_end"], second["ended_on"]) == (
        "extended",
        "2023-03-31",
        None,
    )


async def test_withdrawal_selection_year_and_imported_continuations(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await create(registry, operator, selection_fiscal_year="R2")
    project = created.json()
    url = f"/v1/projects/{project['id']}"
    corrected = await registry.patch(
        url,
        json={"selection_fiscal_year": "R3"},
        headers={**operator, "If-Match": created.headers["ETag"]},
    )
    assert corrected.status_code == 200, corrected.text
    withdrawn = await registry.patch(
        url,
        json={"status": "withdrawn"},
        headers={**operator, "If-Match": corrected.headers["ETag"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    text = "選定年度,提案者,提案タイトル,支援終了\n令和元年度,静岡県,取込の事業,2024-03-31\n"
    imported = await registry.post(
        "/v1/projects/imports",
        files={"file": ("p.csv", text.encode(), "text/csv")},
        headers=operator,
    )
    assert imported.status_code == 201, imported.text

    body = await history(registry, operator, project["id"])
    other = await history(registry, operator, imported.json()["items"][0]["id"])

    kinds = [(e["kind"], e["reason"], e["term_end"]) for e in body["events"]]
    assert kinds == [
        ("selected", "令和3年度選定", "2024-03-31"),
        ("selection_changed", "選定年度の訂正: 令和2年度 → 令和3年度", "2024-03-31"),
        ("withdrawn", "取下げ", "2024-03-31"),
    ]
    assert body["events"][2]["on"] == body["events"][2]["recorded_at"][:10]
    assert steps(other)[1] == (
        "extended",
        None,
        "2024-03-31",
        "登録時に記録された継続（決定の記録なし）",
        None,
        False,
    )


async def test_the_history_is_read_as_the_project_is(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    project_id = (await create(registry, operator)).json()["id"]  # 秩父市's
    url = f"/v1/projects/{project_id}/term-history"

    answers = [
        (await registry.get(url, headers=headers)).status_code
        for headers in (
            bearer(token(Role.municipality, lg_code="112071")),
            bearer(token(Role.municipality, lg_code="112089")),
            bearer(token(Role.partner)),
            {},
        )
    ]
    unknown = await registry.get(
        "/v1/projects/00000000-0000-4000-8000-000000000000/term-history", headers=operator
    )

    assert answers == [200, 403, 200, 401]
    assert unknown.status_code == 404


@pytest.fixture
async def registry_database(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    """A registry database of this test's own, migrated: the seed commits."""
    async with scratch_database(server_urls[0], prefix="jisso_terms") as url:
        await upgrade("registry", url)
        yield url


async def test_jisso_seed_ends_the_seeded_terms_that_ran_out(
    registry_database: str, redis_url: str
) -> None:
    settings = load_settings(
        "registry", database_url=registry_database, redis_url=redis_url, environment="test"
    )
    engine = create_async_engine(async_url(registry_database))
    operator = Principal(subject="test", role=Role.operator)

    async def terms() -> dict[str, tuple[Any, ...]]:
        async with AsyncSession(engine) as session:
            found = await repository.list_projects(session, repository.ProjectFilters())
            return {p.title: (p.status, p.ended_on, p.end_reason, p.extended_on) for p in found}

    try:
        await run_seed(settings, today=date(2021, 8, 24))
        as_the_seed_stood = await terms()
        await run_seed(settings)
        today = await terms()
        await run_seed(settings)
        async with AsyncSession(engine) as session:
            again = await terms()
            continued = next(p for p in await repository.list_projects(
                session, repository.ProjectFilters(fiscal_year=2019)))  # fmt: skip
            seen = await term_history(session, principal=operator, project_id=continued.id)
    finally:
        await engine.dispose()

    assert len(as_the_seed_stood) == 6
    assert {t[0] for t in as_the_seed_stood.values()} == {"supported", "extended"}
    assert {t[3] for t in as_the_seed_stood.values()} == {None, date(2021, 12, 17)}
    assert {(t[0], t[2]) for t in today.values()} == {("ended", "支援期間満了")}
    assert {t[1] for t in today.values()} == {date(2023, 3, 31), date(2024, 3, 31)}
    assert again == today
    assert [(e.kind, e.on, e.decided_on) for e in seen.events] == [
        ("selected", date(2019, 4, 1), None),
        ("extended", date(2021, 12, 17), date(2021, 12, 17)),
        ("expired", date(2024, 3, 31), None),
    ]
