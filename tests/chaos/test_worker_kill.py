"""SIGKILL the only worker midway through work, start it again: nothing it held is lost or done
twice. A campaign: each recipient's letter is delivered once. A term-end sweep: each project whose
term is over ends in the registry once, and the review records the registry's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from libs.common.auth import Role
from tests.chaos.harness import System
from tests.chaos.invariants import (
    addressees,
    assert_ended_once,
    assert_extended_once,
    assert_mail_delivered_once,
    assert_nothing_refused,
    delivery_states,
)
from tests.chaos.world import (
    after_term,
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
RECIPIENTS = 300
KILL_AFTER = 100  # letters delivered before the kill
PROJECTS = 20


async def test_a_worker_killed_mid_campaign_delivers_each_letter_once(system: System) -> None:
    symposium_id = await audience(system, RECIPIENTS)
    async with system.client("notify") as notify:
        draft = await draft_campaign(notify, system, symposium_id)
        assert draft.json()["recipient_count"] == RECIPIENTS
        await approve_campaign(notify, system, draft)

        async def sending() -> bool:
            return system.mail_count() >= KILL_AFTER

        await system.wait_for(sending, f"{KILL_AFTER} letters", interval=0.02)
        system.kill_process("worker-1")
        at_kill = system.mail_count()
        assert at_kill < RECIPIENTS, "the campaign finished before the kill"
        system.start_process("worker-1")
        await system.quiescent()

        campaign = ok(
            await notify.get(
                f"/v1/campaigns/{draft.json()['id']}", headers=system.auth(Role.operator)
            )
        )
    assert campaign["status"] == "done"
    assert campaign["counts"] == {"sent": RECIPIENTS}
    assert await delivery_states(system) == {"sent": RECIPIENTS}
    mails = await assert_mail_delivered_once(system)
    assert addressees(mails) == {recipient(i): 1 for i in range(RECIPIENTS)}


async def test_a_worker_killed_mid_term_end_sweep_ends_each_project_once(system: System) -> None:
    cohort = await build_cohort(system, PROJECTS, deadline_in=timedelta(days=20))
    approved, rejected, *silent = cohort.projects
    async with system.client("review") as review:
        applications = [await apply(review, system, cohort, p) for p in (approved, rejected)]
        assert await past_deadline(system, cohort) == {
            "review_started": 2,
            "not_submitted": PROJECTS - 2,
            "deadline_reminder_overdue": PROJECTS - 2,  # each told the deadline passed (期限超過)
        }
        ok(await decision_request(review, system, applications[0], "approved"), 201)
        ok(await decision_request(review, system, applications[1], "rejected"), 201)
    await system.quiescent()

    # The registry hangs (SIGSTOP), so the sweep's term-end jobs are held open in the worker.
    system.pause_process("registry")
    await system.enqueue("review", "continuation_sweep", as_of=after_term(cohort).isoformat())

    async def in_flight() -> bool:
        # A job per batch: one for the projects that never applied, one for the rejected one.
        jobs = await system.outbox_jobs("review", "apply_term_ends")
        return len(jobs) == 2 and await system.running_jobs(jobs) > 0

    await system.wait_for(in_flight, "term-end jobs running against the hung registry")
    system.kill_process("worker-1")
    ended_at_kill = await system.scalar(
        "SELECT count(*) FROM registry.term_changes WHERE kind = 'end'"
    )
    assert ended_at_kill == 0
    system.resume_process("registry")
    system.start_process("worker-1")
    await system.quiescent()

    for project in (rejected, *silent):
        await assert_ended_once(system, cohort.cycle_id, project.id)
    decision = await system.scalar(
        "SELECT id::text FROM review.continuation_decisions WHERE outcome = 'approved'"
    )
    await assert_extended_once(system, approved.id, decision)
    await assert_nothing_refused(system)
    mails = await assert_mail_delivered_once(system)
    emails = {p.email for p in cohort.projects}
    to_cohort = {a: n for a, n in addressees(mails).items() if a in emails}
    # The two decision letters, and each silent project's one 期限超過 notice.
    assert to_cohort == {approved.email: 1, rejected.email: 1} | {p.email: 1 for p in silent}
