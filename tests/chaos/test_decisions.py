"""Continuation decisions while a dependency is away, and fifty operators deciding at once.

The review service records decisions without Redis (its outbox keeps the messages) and without
the registry (the term extension is a queued job that waits for it); once either is back every
decision reaches the registry and every letter goes out, once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from libs.common.auth import Role
from tests.chaos.harness import System
from tests.chaos.invariants import (
    addressees,
    assert_extended_once,
    assert_mail_delivered_once,
    assert_nothing_refused,
    delivery_states,
    project_term,
    term_changes,
)
from tests.chaos.world import (
    Cohort,
    Project,
    apply,
    approve_campaign,
    audience,
    build_cohort,
    decision_request,
    draft_campaign,
    ok,
    past_deadline,
    recipient,
)

pytestmark = pytest.mark.chaos
REDIS_OUTAGE_SECONDS = 20
GUESTS = 40
CONCURRENT = 50


@pytest.fixture(scope="module")
async def cohort(system: System) -> tuple[Cohort, dict[str, str]]:
    """Twelve projects, each with an application under review; (cohort, application by project)."""
    cohort = await build_cohort(system, 12, deadline_in=timedelta(days=20))
    async with system.client("review") as review:
        applications = {p.id: await apply(review, system, cohort, p) for p in cohort.projects}
    assert await past_deadline(system, cohort) == {"review_started": 12}
    return cohort, applications


async def decide_all(
    system: System, applications: dict[str, str], outcomes: dict[Project, str]
) -> dict[Project, str]:
    """Every decision is accepted (201); returns the decision id of each project."""
    decided = {}
    async with system.client("review") as review:
        for project, outcome in outcomes.items():
            response = await decision_request(review, system, applications[project.id], outcome)
            decided[project] = ok(response, 201)["id"]
    return decided


async def assert_decisions_applied_once(
    system: System, decided: dict[Project, str], outcomes: dict[Project, str]
) -> None:
    """Approvals extended once; rejections leave the term as it was (it ends at term end)."""
    for project, decision_id in decided.items():
        if outcomes[project] == "approved":
            await assert_extended_once(system, project.id, decision_id)
        else:
            assert (await project_term(system, project.id))[0] == "supported"
            assert await term_changes(system, project.id) == []
    mails = await assert_mail_delivered_once(system)
    emails = {p.email for p in decided}
    letters = {a: n for a, n in addressees(mails).items() if a in emails}
    assert letters == dict.fromkeys(emails, 1)
    await assert_nothing_refused(system)


async def test_decisions_and_a_campaign_approval_while_redis_is_down(
    system: System, cohort: tuple[Cohort, dict[str, str]]
) -> None:
    projects, applications = cohort[0].projects[:6], cohort[1]
    outcomes = {p: "approved" if n < 3 else "rejected" for n, p in enumerate(projects)}
    symposium_id = await audience(system, GUESTS)
    async with system.client("notify") as notify:
        draft = await draft_campaign(notify, system, symposium_id)
        loop = asyncio.get_running_loop()
        stopped_at = loop.time()
        system.stop_redis()

        decided = await decide_all(system, applications, outcomes)
        assert (await approve_campaign(notify, system, draft))["status"] == "sending"
        async with system.client("review") as review:
            ready = await review.get("/readyz")
        readiness = ready.json()
        assert readiness["checks"]["redis"].startswith("error"), readiness
        # Redis is reported, not required: the pods stay in their Services through the outage.
        assert ready.status_code == 200 and readiness["status"] == "ready", readiness
        await asyncio.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (loop.time() - stopped_at)))
        unsent = await system.scalar(
            "SELECT count(*) FROM review.outbox WHERE published_at IS NULL"
        )
        assert unsent == len(outcomes) + 3  # a letter each, a term extension per approval
        system.start_redis()
        await system.quiescent()

    await assert_decisions_applied_once(system, decided, outcomes)
    guests = {a: n for a, n in addressees(system.mails()).items() if "company" in a}
    assert guests == {recipient(i): 1 for i in range(GUESTS)}
    assert (await delivery_states(system))["sent"] == GUESTS + len(outcomes)


async def test_decisions_while_the_registry_is_down(
    system: System, cohort: tuple[Cohort, dict[str, str]]
) -> None:
    projects, applications = cohort[0].projects[6:11], cohort[1]
    outcomes = {p: "approved" if n < 3 else "rejected" for n, p in enumerate(projects)}
    system.stop_process("registry")
    decided = await decide_all(system, applications, outcomes)

    approvals = [decided[p] for p, outcome in outcomes.items() if outcome == "approved"]

    async def extensions_tried() -> bool:
        """Each extension job has met the stopped registry at least once."""
        jobs = await system.outbox_jobs("review", "apply_term_extension", approvals)
        return len(jobs) == len(approvals) and min(await system.job_tries(jobs)) > 0

    await system.wait_for(extensions_tried, "the term extensions to meet the stopped registry")
    system.start_process("registry")
    await system.wait_ready("registry")
    await system.quiescent()
    await assert_decisions_applied_once(system, decided, outcomes)


async def test_fifty_concurrent_approvals_make_one_decision(
    system: System, cohort: tuple[Cohort, dict[str, str]]
) -> None:
    project = cohort[0].projects[11]
    url = f"/v1/continuation-applications/{cohort[1][project.id]}"
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with system.client("review", limits=limits) as review:
        etag = (await review.get(url, headers=system.auth(Role.operator))).headers["ETag"]
        answers = await asyncio.gather(
            *(
                review.post(
                    f"{url}/decision",
                    json={"outcome": "approved", "reason": f"承認（操作者{n}）"},
                    headers={
                        **system.auth(Role.operator, subject=f"operator-{n}"),
                        "If-Match": etag,
                    },
                )
                for n in range(CONCURRENT)
            )
        )
        decision = ok(await review.get(f"{url}/decision", headers=system.auth(Role.operator)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses[201] == 1, statuses
    assert set(statuses) <= {201, 409, 412}, statuses
    assert decision["id"] == next(a for a in answers if a.status_code == 201).json()["id"]
    await system.quiescent()
    decisions = await system.scalar(
        "SELECT count(*) FROM review.continuation_decisions WHERE project_id = :p", p=project.id
    )
    assert decisions == 1
    await assert_decisions_applied_once(system, {project: decision["id"]}, {project: "approved"})
