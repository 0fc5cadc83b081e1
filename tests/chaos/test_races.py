"""Races between processes: two schedulers and two workers sweeping one cohort, and many clients
changing one registry resource with the same ETag. (Fifty operators deciding one application at
once is in test_decisions.py.) Each effect happens once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from libs.common.auth import Role
from tests.chaos.harness import System
from tests.chaos.invariants import (
    addressees,
    assert_ended_once,
    assert_mail_delivered_once,
    assert_nothing_refused,
)
from tests.chaos.world import LEADS, after_term, build_cohort, ok, past_deadline, sweep

pytestmark = pytest.mark.chaos
SCHEDULERS = ("scheduler-1", "scheduler-2")
PROJECTS = 20
CONCURRENT = 50


@pytest.fixture(scope="module")
def system_options() -> dict[str, Any]:
    # The schedulers start once the cohort exists, so that their first hourly sweep finds it.
    return {"workers": 2, "schedulers": 2, "held": SCHEDULERS}


async def test_two_schedulers_and_two_workers_do_each_sweep_effect_once(system: System) -> None:
    # A week or two before the deadline (moved off closed days): the hourly sweep is due to send
    # a reminder (the 14-day one, or the 7-day one late in the day).
    cohort = await build_cohort(system, PROJECTS, deadline_in=timedelta(days=7))
    for name in SCHEDULERS:
        system.start_process(name)

    async def reminded() -> bool:
        return system.mail_count() >= PROJECTS

    await system.wait_for(reminded, "the 14-day reminders")
    assert await past_deadline(system, cohort) == {
        "not_submitted": PROJECTS,
        "deadline_reminder_overdue": PROJECTS,  # each told the deadline passed (期限超過)
    }
    # Replays of the term-end sweep at once: on the two workers, and two here as operators.
    as_of = after_term(cohort).isoformat()
    jobs = [await system.enqueue("review", "continuation_sweep", as_of=as_of) for _ in range(4)]
    reports = await asyncio.gather(*(sweep(system, after_term(cohort)) for _ in range(2)))
    await system.quiescent()

    on_workers = [(await system.job_result("review", j))["counts"] for j in jobs]
    ended = [r.get("term_ended", 0) for r in [*reports, *on_workers]]
    assert sum(ended) == PROJECTS, ended  # six sweeps at once, each project ended by one of them
    for project in cohort.projects:
        await assert_ended_once(system, cohort.cycle_id, project.id)
    mails = await assert_mail_delivered_once(system)
    # A reminder and the 期限超過 notice each.
    assert addressees(mails) == Counter({p.email: 2 for p in cohort.projects})
    subjects = [str(m["Subject"]) for m in mails]
    assert all("継続申請の提出期限" in s for s in subjects)
    assert sum(s.startswith("【期限超過】") for s in subjects) == PROJECTS
    await assert_nothing_refused(system)


async def test_concurrent_if_match_changes_of_one_project(system: System) -> None:
    operator = system.auth(Role.operator)
    body = {
        "title": "（試験用）同時更新",
        "proposers": [{"lg_code": LEADS[0], "is_lead": True}],
        "selection_fiscal_year": "R6",
    }
    async with system.client("registry") as registry:
        created = await registry.post("/v1/projects", json=body, headers=operator)
        url = f"/v1/projects/{ok(created, 201)['id']}"
        answers = await asyncio.gather(
            *(
                registry.patch(
                    url,
                    json={"title": f"（試験用）同時更新 {n:02d}"},
                    headers={**operator, "If-Match": created.headers["ETag"]},
                )
                for n in range(CONCURRENT)
            )
        )
        now = ok(await registry.get(url, headers=operator))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 412: CONCURRENT - 1}, statuses
    assert now == next(a for a in answers if a.status_code == 200).json()
    assert now["version"] == created.json()["version"] + 1
    updates = await system.scalar(
        "SELECT count(*) FROM registry.audit_events WHERE subject_id = :p"
        " AND action = 'project.updated'",
        p=now["id"],
    )
    assert updates == 1
    await system.quiescent()


async def test_concurrent_member_adds_to_one_council(system: System) -> None:
    """Adders of one council take turns on its row: every organisation once, positions distinct
    and in a row, one version step and one event each; a duplicate sent at once is a 409."""
    operator = system.auth(Role.operator)
    body = {
        "title": "（試験用）同時追加",
        "proposers": [{"lg_code": LEADS[0], "is_lead": True}],
        "selection_fiscal_year": "R6",
    }
    async with system.client("registry") as registry:
        created = await registry.post("/v1/projects", json=body, headers=operator)
        project_id = ok(created, 201)["id"]
        council = await registry.post(
            f"/v1/projects/{project_id}/council", json={"name": "同時追加"}, headers=operator
        )
        members_url = f"/v1/councils/{ok(council, 201)['id']}/members"
        organisations = [f"同時追加団体{n:02d}" for n in range(CONCURRENT)] + ["同時追加団体00"] * 4
        answers = await asyncio.gather(
            *(
                registry.post(
                    members_url,
                    json={"organisation": name, "category": "private_company"},
                    headers=operator,
                )
                for name in organisations
            )
        )
        now = ok(await registry.get(members_url.removesuffix("/members"), headers=operator))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: CONCURRENT, 409: 4}, statuses
    positions = sorted(a.json()["position"] for a in answers if a.status_code == 201)
    assert positions == list(range(CONCURRENT))
    assert sorted(m["organisation"] for m in now["members"]) == organisations[:CONCURRENT]
    assert now["version"] == council.json()["version"] + CONCURRENT
    events = await system.scalar(
        "SELECT count(*) FROM registry.audit_events WHERE action = 'council.member_added'"
        " AND after ->> 'council_id' = :c",
        c=now["id"],
    )
    assert events == CONCURRENT


async def test_concurrent_if_match_changes_of_one_contact(system: System) -> None:
    """A contact's change is written back guarded by the version it read: of many changes sent
    with the same ETag at once, one lands (one event, one version step), the rest are 412."""
    operator = system.auth(Role.operator)
    body = {"name": "同時 更新", "email": "race@example.jp", "stakeholder_category": "other"}
    async with system.client("registry") as registry:
        created = await registry.post("/v1/contacts", json=body, headers=operator)
        url = f"/v1/contacts/{ok(created, 201)['id']}"
        answers = await asyncio.gather(
            *(
                registry.patch(
                    url,
                    json={"organisation": f"同時更新課{n:02d}"},
                    headers={**operator, "If-Match": created.headers["ETag"]},
                )
                for n in range(CONCURRENT)
            )
        )
        now = await registry.get(url, headers=operator)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 412: CONCURRENT - 1}, statuses
    won = next(a for a in answers if a.status_code == 200)
    assert ok(now) == won.json()
    assert now.headers["ETag"] == won.headers["ETag"]
    assert ok(now)["version"] == created.json()["version"] + 1
    updates = await system.scalar(
        "SELECT count(*) FROM registry.audit_events WHERE subject_id = :c"
        " AND action = 'contact.updated'",
        c=now.json()["id"],
    )
    assert updates == 1
