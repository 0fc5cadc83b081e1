"""Term changes (review service only, idempotent by decision id), cohort statistics and the seed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Principal, Role
from libs.common.errors import Conflict
from services.registry.audit.models import AuditEvent
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import Programme
from services.registry.projects import repository, service, term_ends, terms
from services.registry.projects.models import ActivityReport, Project, TermChange
from services.registry.projects.schemas import ProjectCreate, ProposerIn
from services.registry.projects.states import ProjectStatus
from services.registry.projects.term_schemas import TermEndItemIn, TermEndsOut
from services.registry.seed.projects import seed_projects
from tests.fixtures.world import RegistryWorld, ensure_local_governments, ensure_programme
from tests.registry.projects_support import CHICHIBU_TITLE, create

OPERATOR = Principal(subject="test", role=Role.operator)


async def post(
    registry: httpx.AsyncClient, caller: dict[str, str], project_id: str, route: str, **body: Any
) -> httpx.Response:
    return await registry.post(f"/v1/projects/{project_id}/{route}", json=body, headers=caller)


async def read(
    registry: httpx.AsyncClient, caller: dict[str, str], project_id: str
) -> dict[str, Any]:
    response = await registry.get(f"/v1/projects/{project_id}", headers=caller)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.usefixtures("project_world")
async def test_an_extension_adds_two_fiscal_years_once_per_decision(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="R1")).json()

    first = await post(
        registry, service_caller, project["id"], "term-extensions", decision_id="d-1"
    )
    again = await post(
        registry, service_caller, project["id"], "term-extensions", decision_id="d-1"
    )

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["previous_term_end"] == "2022-03-31"
    assert first.json()["new_term_end"] == "2024-03-31"
    after = await read(registry, operator, project["id"])
    assert (after["term_end"], after["extensions"], after["status"]) == (
        "2024-03-31",
        1,
        "extended",
    )
    assert after["version"] == 2

    second = await post(
        registry, service_caller, project["id"], "term-extensions", decision_id="d-2"
    )
    assert second.json()["new_term_end"] == "2026-03-31"
    assert (await read(registry, operator, project["id"]))["extensions"] == 2


@pytest.mark.usefixtures("project_world")
async def test_an_end_is_final_and_replays_its_first_result(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="H30")).json()
    end = {"decision_id": "end-1", "reason": "継続申請なし"}

    first = await post(registry, service_caller, project["id"], "term-end", **end)
    again = await post(
        registry, service_caller, project["id"], "term-end", **end, effective_on="2020-01-01"
    )
    other = await post(
        registry, service_caller, project["id"], "term-end", decision_id="end-2", reason="x"
    )
    extend = await post(
        registry, service_caller, project["id"], "term-extensions", decision_id="ext-9"
    )

    assert first.status_code == 200
    assert first.json()["ended_on"] == "2021-03-31"
    assert first.json()["status"] == "ended"
    assert again.json() == first.json()
    assert (other.status_code, extend.status_code) == (409, 409)
    after = await read(registry, operator, project["id"])
    assert (after["status"], after["ended_on"], after["end_reason"]) == (
        "ended",
        "2021-03-31",
        "継続申請なし",
    )
    assert after["version"] == 2


@pytest.mark.usefixtures("project_world")
async def test_a_decision_id_cannot_name_two_changes(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    a = (await create(registry, operator, title="A")).json()
    b = (await create(registry, operator, title="B")).json()

    await post(registry, service_caller, a["id"], "term-extensions", decision_id="same")
    reused = await post(registry, service_caller, b["id"], "term-extensions", decision_id="same")
    other_kind = await post(
        registry, service_caller, a["id"], "term-end", decision_id="same", reason="x"
    )

    assert (reused.status_code, other_kind.status_code) == (409, 409)
    assert (await read(registry, operator, b["id"]))["extensions"] == 0


@pytest.mark.usefixtures("project_world")
async def test_term_changes_are_for_the_review_service_only(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project = (await create(registry, operator)).json()

    response = await post(registry, operator, project["id"], "term-extensions", decision_id="d")

    assert response.status_code == 403


@pytest.mark.usefixtures("project_world")
async def test_an_early_end_must_fall_within_the_term(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="R2")).json()

    late = await post(registry, service_caller, project["id"], "term-end", decision_id="e1",
                      reason="x", effective_on="2023-04-01")  # fmt: skip
    early = await post(registry, service_caller, project["id"], "term-end", decision_id="e2",
                       reason="辞退", effective_on="令和3年9月30日")  # fmt: skip

    assert late.status_code == 422
    assert late.json()["errors"][0]["field"] == "body.effective_on"
    assert early.json()["ended_on"] == "2021-09-30"
    status = await registry.get(
        f"/v1/projects/{project['id']}", params={"as_of": "2021-10-01"}, headers=operator
    )
    assert status.json()["status_as_of"] == "ended"
    assert status.json()["term_end"] == "2021-09-30"


@pytest.mark.usefixtures("project_world")
async def test_a_batch_of_term_ends_applies_replays_and_refuses_item_by_item(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    ending = (await create(registry, operator, title="A", selection_fiscal_year="R1")).json()
    ended = (await create(registry, operator, title="B", selection_fiscal_year="R1")).json()
    await post(
        registry, service_caller, ended["id"], "term-end", decision_id="b-end", reason="辞退"
    )
    unknown = str(uuid.uuid4())
    items = [
        {"project_id": ending["id"], "decision_id": "a-end", "reason": "継続申請なし"},
        {"project_id": ended["id"], "decision_id": "b-end", "reason": "辞退"},
        {"project_id": ended["id"], "decision_id": "b-again", "reason": "x"},
        {"project_id": unknown, "decision_id": "nobody", "reason": "x"},
    ]

    first = await registry.post(
        "/v1/projects/term-ends", json={"items": items}, headers=service_caller
    )
    again = await registry.post(
        "/v1/projects/term-ends", json={"items": items}, headers=service_caller
    )

    assert first.status_code == again.status_code == 200
    outcomes = [(i["outcome"], (i["problem"] or {}).get("status")) for i in first.json()["items"]]
    assert outcomes == [("applied", None), ("replayed", None), ("refused", 409), ("refused", 404)]
    # A refused item's problem is the one the single call answers: its type absolute too.
    refused = first.json()["items"][3]["problem"]
    assert refused["type"] == "http://127.0.0.1:8001/problems/not-found"
    assert [i["outcome"] for i in again.json()["items"]][:2] == ["replayed", "replayed"]
    assert again.json()["items"][0]["change"] == first.json()["items"][0]["change"]
    after = await read(registry, operator, ending["id"])
    assert (after["status"], after["ended_on"], after["end_reason"], after["version"]) == (
        "ended",
        "2022-03-31",
        "継続申請なし",
        2,
    )
    audit = await registry.get("/v1/audit", params={"subject": f"project:{ending['id']}"},
                             headers=operator)  # fmt: skip
    assert [e["action"] for e in audit.json()["items"]].count("project.term_ended") == 1


@pytest.mark.usefixtures("project_world")
async def test_a_batch_answers_as_its_model_and_stores_each_change_as_answered(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    a = (await create(registry, operator, title="A", selection_fiscal_year="R1")).json()
    b = (await create(registry, operator, title="B", selection_fiscal_year="R1")).json()
    items = [
        {"project_id": a["id"], "decision_id": "m-a", "reason": "継続申請なし",
         "decided_on": "2021-12-17"},
        {"project_id": b["id"], "decision_id": "m-b1", "reason": "x", "effective_on": "2030-01-01"},
        {"project_id": b["id"], "decision_id": "m-b2", "reason": "辞退",
         "effective_on": "令和3年9月30日"},
        {"project_id": b["id"], "decision_id": "m-b3", "reason": "x"},
    ]  # fmt: skip

    first = await registry.post(
        "/v1/projects/term-ends", json={"items": items}, headers=service_caller
    )
    again = await registry.post(
        "/v1/projects/term-ends", json={"items": items}, headers=service_caller
    )

    # The document built once is byte for byte what the declared model serialises.
    for response in (first, again):
        assert response.status_code == 200, response.text
        model = TermEndsOut.model_validate_json(response.content)
        assert response.content == model.model_dump_json().encode()
    outcomes = [(i["outcome"], (i["problem"] or {}).get("status")) for i in first.json()["items"]]
    assert outcomes == [("applied", None), ("refused", 422), ("applied", None), ("refused", 409)]
    assert [i["outcome"] for i in again.json()["items"]] == [
        "replayed", "refused", "replayed", "refused"
    ]  # fmt: skip
    applied = {i["decision_id"]: i["change"] for i in first.json()["items"] if i["change"]}
    replays = {i["decision_id"]: i["change"] for i in again.json()["items"] if i["change"]}
    stored = await session.scalars(select(TermChange).where(TermChange.project_id.in_(
        [uuid.UUID(a["id"]), uuid.UUID(b["id"])])))  # fmt: skip
    assert {c.decision_id: c.result for c in stored} == applied == replays
    assert applied["m-b2"]["previous_term_end"] == "2022-03-31"
    assert (applied["m-b2"]["new_term_end"], applied["m-b2"]["ended_on"]) == ("2021-09-30",) * 2
    assert applied["m-a"]["decided_on"] == "2021-12-17"
    events = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "project.term_ended", AuditEvent.subject_id == b["id"])
    )  # fmt: skip
    assert [(e.before, e.after) for e in events] == [
        (
            {"status": "supported", "term_end": "2022-03-31", "extensions": 0,
             "extended_on": None, "ended_on": None, "decision_id": "m-b2"},
            {"status": "ended", "term_end": "2021-09-30", "extensions": 0, "extended_on": None,
             "ended_on": "2021-09-30", "decision_id": "m-b2", "reason": "辞退"},
        )
    ]  # fmt: skip
    after = await read(registry, operator, b["id"])
    assert (after["status"], after["term_end"], after["end_reason"], after["version"]) == (
        "ended", "2021-09-30", "辞退", 2
    )  # fmt: skip


@pytest.mark.usefixtures("project_world")
async def test_a_batch_refuses_the_projects_its_caller_may_not_see(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    project = (await create(registry, operator, selection_fiscal_year="R1")).json()  # 112071's
    item = TermEndItemIn(project_id=project["id"], decision_id="seen", reason="x")

    def caller(lg_code: str) -> Principal:
        return Principal(subject="town", role=Role.municipality, lg_code=lg_code)

    other = await term_ends.end_terms(
        session, principal=caller("130001"), items=[item], problem_base="http://x"
    )
    own = await term_ends.end_terms(
        session, principal=caller("112071"), items=[item], problem_base="http://x"
    )

    assert (other[0]["outcome"], other[0]["problem"]["status"]) == ("refused", 403)
    assert (own[0]["outcome"], own[0]["change"]["status"]) == ("applied", "ended")


@pytest.mark.usefixtures("project_world")
async def test_a_batch_names_each_decision_once_and_is_for_the_review_service(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    project = (await create(registry, operator)).json()
    item = {"project_id": project["id"], "decision_id": "twice", "reason": "x"}

    twice = await registry.post(
        "/v1/projects/term-ends", json={"items": [item, item]}, headers=service_caller
    )
    as_operator = await registry.post(
        "/v1/projects/term-ends", json={"items": [item]}, headers=operator
    )

    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "body.items"
    assert twice.json()["errors"][0]["rule"] == "unique"
    assert as_operator.status_code == 403
    assert (await read(registry, operator, project["id"]))["status"] != "ended"


@pytest.mark.usefixtures("project_world")
async def test_stats_count_the_seed_cohorts_from_the_rows(
    registry: httpx.AsyncClient,
    session: AsyncSession,
    operator: dict[str, str],
    service_caller: dict[str, str],
) -> None:
    cohorts = {2018: 14, 2019: 8, 2020: 12, 2021: 9}
    ids: dict[int, list[uuid.UUID]] = {}
    for fy, count in cohorts.items():
        for n in range(count):
            data = ProjectCreate(
                title=f"{fy}年度選定 {n + 1}",
                proposers=[ProposerIn(lg_code="112071")],
                selection_fiscal_year=fy,
            )
            project = await service.create_project(session, actor=OPERATOR, data=data)
            ids.setdefault(fy, []).append(project.id)
    for n, project_id in enumerate(ids[2018]):
        if n < 9:
            done = await post(
                registry, service_caller, str(project_id), "term-extensions", decision_id=f"x{n}"
            )
        else:
            done = await post(registry, service_caller, str(project_id), "term-end",
                              decision_id=f"e{n}", reason="継続申請なし")  # fmt: skip
        assert done.status_code == 200, done.text

    stats = await registry.get(
        "/v1/projects/stats", params={"as_of": "2021-08-24"}, headers=operator
    )

    assert stats.json() == {
        "as_of": "2021-08-24",
        "total": 38,
        "by_selection_fiscal_year": [
            {"fiscal_year": 2018, "fiscal_year_label": "平成30年度", "supported": 9},
            {"fiscal_year": 2019, "fiscal_year_label": "令和元年度", "supported": 8},
            {"fiscal_year": 2020, "fiscal_year_label": "令和2年度", "supported": 12},
            {"fiscal_year": 2021, "fiscal_year_label": "令和3年度", "supported": 9},
        ],
        "published": [],  # no published figure here: these 38 are counted from 38 rows
    }
    before = await registry.get(
        "/v1/projects/stats", params={"as_of": "令和3年3月31日"}, headers=operator
    )
    assert before.json()["total"] == 14 + 8 + 12
    listed = await registry.get(
        "/v1/projects",
        params={"supported_as_of": "2021-08-24", "fiscal_year": "H30", "limit": 200},
        headers=operator,
    )
    assert len(listed.json()["items"]) == 9
    assert {i["status"] for i in listed.json()["items"]} == {"extended"}


async def test_seed_loads_the_stated_projects_once(session: AsyncSession) -> None:
    await ensure_local_governments(session)
    await ensure_programme(session)

    await seed_projects(session)
    events = await session.scalar(select(func.count()).select_from(AuditEvent))
    await seed_projects(session)

    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == events
    projects = {
        p.title: p for p in await repository.list_projects(session, repository.ProjectFilters())
    }
    assert len(projects) == 6
    continued = [p for p in projects.values() if p.selection_fiscal_year == 2019]
    assert len(continued) == 5
    assert {(p.term_end.isoformat(), p.extensions, p.status) for p in continued} == {
        ("2024-03-31", 1, "extended")
    }
    assert sorted(p.proposers[0].lg_code for p in continued) == [
        "052159", "162019", "212016", "220001", "342076"
    ]  # fmt: skip
    decisions = await session.scalars(
        select(TermChange.decision_id).order_by(TermChange.decision_id)
    )
    assert list(decisions) == [f"seed:continuation:2021-12-17:{n}" for n in range(1, 6)]
    chichibu = projects[CHICHIBU_TITLE]
    assert (chichibu.selection_fiscal_year, chichibu.term_end.isoformat()) == (2020, "2023-03-31")
    assert chichibu.technologies == ["IoT", "自動運転", "ドローン"]
    assert [i.title for i in chichibu.initiatives] == [
        "ドローン物流事業",
        "遠隔医療事業",
        "秩父版MaaS（貨客混載・EVカーシェアリング）事業",
    ]
    assert chichibu.future_vision.startswith("未来技術を活用し、人とモノの移動の困難さ")
    report = await session.get(ActivityReport, (chichibu.id, 2020))
    assert report is not None
    assert report.body.count("\n") == 2
    assert "秩父版MaaSプラットフォーム" in report.body


@pytest.fixture
async def committed_project(
    committed: async_sessionmaker[AsyncSession],
) -> Any:
    """A committed project (with its proposer and programme) for tests across connections."""
    code = "112089"
    async with committed() as session, session.begin():
        had_lg = await session.get(LocalGovernment, code) is not None
        had_programme = await repository.programme(session, "☆") is not None
        world = RegistryWorld(session)
        programme_id = await world.programme()
        title = f"並行テスト {uuid.uuid4().hex[:6]}"
        project_id = (await world.project(title=title, proposer=code)).id
    yield project_id
    async with committed() as session, session.begin():
        await session.execute(delete(TermChange).where(TermChange.project_id == project_id))
        await session.execute(delete(AuditEvent).where(AuditEvent.subject_id == str(project_id)))
        await session.execute(delete(Project).where(Project.id == project_id))
        if not had_programme:
            await session.execute(delete(Programme).where(Programme.id == programme_id))
        if not had_lg:
            await session.execute(delete(LocalGovernment).where(LocalGovernment.code == code))


async def test_concurrent_ends_with_different_decisions_serialise(
    committed: async_sessionmaker[AsyncSession], committed_project: uuid.UUID
) -> None:
    review = Principal(subject="review", role=Role.service)

    async def end(decision_id: str) -> str:
        async with committed() as session, session.begin():
            try:
                await terms.end_term(
                    session,
                    principal=review,
                    project_id=committed_project,
                    decision_id=decision_id,
                    reason="並行",
                )
            except Conflict:
                return "conflict"
            # Hold the lock a moment so the other call really has to wait for it.
            await asyncio.sleep(0.2)
            return "ended"

    outcomes = await asyncio.gather(end("c-1"), end("c-2"))

    assert sorted(outcomes) == ["conflict", "ended"]
    async with committed() as session:
        count = await session.scalar(
            select(func.count()).where(TermChange.project_id == committed_project)
        )
    assert count == 1


async def test_concurrent_batches_on_an_expired_project_end_it_once(
    committed: async_sessionmaker[AsyncSession], committed_project: uuid.UUID
) -> None:
    # Ended by the registry's term sweep: a review's end may still confirm it, once.
    async with committed() as session, session.begin():
        project = await session.get(Project, committed_project)
        assert project is not None
        project.status, project.ended_on = ProjectStatus.ended, project.term_end
        session.add(TermChange(decision_id=f"expiry:{project.id}", project_id=project.id,
                               kind="expiry", previous_term_end=project.term_end,
                               new_term_end=project.term_end, result={}))  # fmt: skip
    review = Principal(subject="review", role=Role.service)

    async def batch(decision_id: str) -> str:
        item = TermEndItemIn(project_id=committed_project, decision_id=decision_id, reason="並行")
        async with committed() as session, session.begin():
            [outcome] = await term_ends.end_terms(
                session, principal=review, items=[item], problem_base="http://x"
            )
            # Hold the lock a moment: the other batch waits for it, then reads what it wrote.
            await asyncio.sleep(0.2)
            return str(outcome["outcome"])

    outcomes = await asyncio.gather(batch("b-1"), batch("b-2"))

    assert sorted(outcomes) == ["applied", "refused"]
    async with committed() as session:
        kinds = await session.scalars(
            select(TermChange.kind).where(TermChange.project_id == committed_project)
        )
        assert sorted(kinds) == ["end", "expiry"]
