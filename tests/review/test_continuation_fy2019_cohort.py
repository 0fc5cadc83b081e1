"""The FY2019 (令和元年度) cohort played through against the real registry app.

Eight projects end their term on 2022-03-31. Five submit, are reviewed and approved (their registry
terms end 2024-03-31 once the apply_term_extension jobs ran); three file nothing, are reminded at
14, 7 and 1 days before the deadline and on its day, become 未申請 and are told so (期限超過), and
are ended by the sweep as of 2022-04-01. The messages go out through notify's real jobs to a real
SMTP server: each arrives once, each reminder worded for its stage (あと14日, あと7日, 明日締切,
本日締切, 期限超過) with the deadline's day and time (令和3年11月1日（月）17:00).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.notify.deliveries.tasks import send_due_deliveries
from services.notify.messages.tasks import send_transactional
from services.review.continuation.tasks import (
    apply_term_ends,
    apply_term_extension,
    continuation_sweep,
)
from tests.fixtures.apps import FrozenClock
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import Committed
from tests.review.continuation_support import (
    Auth,
    Project,
    Steps,
    create_cohort,
    notices,
    ok,
    outbox_rows,
)


async def cohort_2019(registry: httpx.AsyncClient, auth: Auth, as_of: str) -> int:
    stats = ok(await registry.get(f"/v1/projects/stats?as_of={as_of}", headers=auth(Role.operator)))
    counts = {c["fiscal_year"]: c["supported"] for c in stats["by_selection_fiscal_year"]}
    return counts.get(2019, 0)


async def sweep(ctx: dict[str, Any], as_of: str) -> dict[str, int]:
    report = await continuation_sweep(ctx, {"as_of": as_of})
    return {k: v for k, v in report["counts"].items() if v}


async def run_jobs(session: AsyncSession, ctx: dict[str, Any], job: Any, name: str) -> list[Any]:
    return [await job(ctx, payload) for payload in await outbox_rows(session, name)]


async def test_fy2019_cohort_five_continue_three_end(
    session: AsyncSession,
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    clock: FrozenClock,
    review_job_ctx: dict[str, Any],
    committed_ctx: Committed,
    smtp_server: SmtpServer,
) -> None:
    continued, ended = await create_cohort(session, registry, auth)
    assert await cohort_2019(registry, auth, "2022-03-31") == 8
    assert await cohort_2019(registry, auth, "2022-04-01") == 0
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    assert cycle["eligible_projects"] == 8

    clock.set("2021-09-10T10:00")
    drafts = [await steps.draft(cycle["id"], p) for p in continued]
    assert await sweep(review_job_ctx, "2021-10-18T18:00+09:00") == {"deadline_reminder_14d": 8}

    clock.set("2021-10-20T15:00")
    applications = []
    for (application_id, etag), project in zip(drafts, continued, strict=True):
        ok(await steps.submit(application_id, etag, project.lg_code))
        applications.append(application_id)
    await _review(steps, clock, review_job_ctx, applications)
    await _decide(steps, clock, applications)
    await _apply_extensions(
        session, registry, review, auth, review_job_ctx, continued, applications
    )

    assert await sweep(review_job_ctx, "2022-04-01T00:00+09:00") == {"term_ended": 3}
    assert await run_jobs(session, review_job_ctx, apply_term_ends, "apply_term_ends") == [
        {"applied": 3, "refused": 0}
    ]
    for project in ended:
        body = ok(await registry.get(f"/v1/projects/{project.id}", headers=auth(Role.operator)))
        assert (body["status"], body["ended_on"]) == ("ended", "2022-03-31")
        assert body["end_reason"] == "継続申請なし（支援期間満了）"
    assert await cohort_2019(registry, auth, "2022-04-01") == 5
    assert await cohort_2019(registry, auth, "2022-03-31") == 8

    await _assert_messages(session, continued, ended)
    # Run again: nothing left to do, nothing sent twice.
    before = len(await outbox_rows(session, "send_transactional"))
    assert await sweep(review_job_ctx, "2022-04-01T00:00+09:00") == {}
    assert await sweep(review_job_ctx, "2022-04-02T10:00+09:00") == {}
    assert len(await outbox_rows(session, "send_transactional")) == before
    await _assert_audit(review, auth, cycle["id"], applications[0], ended[0])
    await _deliver(session, committed_ctx.ctx, smtp_server, continued)


async def _review(
    steps: Steps, clock: FrozenClock, ctx: dict[str, Any], applications: list[str]
) -> None:
    await steps.register_reviewer("reviewer-sato", "東京大学")
    await steps.register_reviewer("reviewer-tanaka", "早稲田大学")
    clock.set("2021-10-21T10:00")
    ok(await steps.assign(applications[0], "reviewer-sato"), 201)  # submitted → under_review
    assert await sweep(ctx, "2021-10-25T18:00+09:00") == {"deadline_reminder_7d": 3}
    assert await sweep(ctx, "2021-10-31T18:00+09:00") == {"deadline_reminder_1d": 3}
    assert await sweep(ctx, "2021-11-01T08:00+09:00") == {}  # 本日締切 waits for 09:00
    assert await sweep(ctx, "2021-11-01T09:00+09:00") == {"deadline_reminder_0d": 3}
    assert await sweep(ctx, "2021-11-01T18:00+09:00") == {
        "review_started": 4,
        "not_submitted": 3,
        "deadline_reminder_overdue": 3,
    }

    clock.set("2021-11-02T10:00")
    for application_id in applications[1:]:
        ok(await steps.assign(application_id, "reviewer-sato"), 201)
    refused = await steps.assign(
        applications[1], "reviewer-tanaka"
    )  # 富山市: 早稲田大学 on its council
    assert refused.status_code == 409
    assert refused.json()["rule"] == "conflict_of_interest"
    assert "地域実装協議会の構成員" in refused.json()["reasons"][0]
    ok(await steps.assign(applications[2], "reviewer-tanaka"), 201)

    clock.set("2021-11-10T10:00")
    for application_id in applications:
        assert (await steps.assess(application_id, "reviewer-sato"))["state"] == "assessed"
    assert await sweep(ctx, "2021-11-23T18:00+09:00") == {"assessment_reminder_7d": 1}
    assert await sweep(ctx, "2021-11-29T18:00+09:00") == {"assessment_reminder_1d": 1}
    assert await sweep(ctx, "2021-12-01T09:00+09:00") == {"assessment_escalation": 1}
    clock.set("2021-12-02T10:00")
    assert (await steps.assess(applications[2], "reviewer-tanaka", score=5))["total"] == 15


async def _decide(steps: Steps, clock: FrozenClock, applications: list[str]) -> None:
    clock.set("2021-12-17T10:00")
    for application_id in applications:
        decision = ok(await steps.decide(application_id), 201)
        assert decision["outcome"] == "approved"
        assert decision["new_term_end"] == "2024-03-31"
        assert decision["decided_at"] == "2021-12-17T10:00:00+09:00"


async def _apply_extensions(
    session: AsyncSession,
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    ctx: dict[str, Any],
    continued: list[Project],
    applications: list[str],
) -> None:
    before = ok(await registry.get(f"/v1/projects/{continued[0].id}", headers=auth(Role.operator)))
    assert before["term_end"] == "2022-03-31"
    results = await run_jobs(session, ctx, apply_term_extension, "apply_term_extension")
    assert [r["new_term_end"] for r in results] == ["2024-03-31"] * 5
    for project in continued:
        body = ok(await registry.get(f"/v1/projects/{project.id}", headers=auth(Role.operator)))
        assert (body["status"], body["term_end"], body["extensions"]) == (
            "extended",
            "2024-03-31",
            1,
        )
    # The registry dates the extension by the decision (2021-12-17), not by when the job ran.
    history = ok(
        await registry.get(
            f"/v1/projects/{continued[0].id}/term-history", headers=auth(Role.operator)
        )
    )
    [extended] = [e for e in history["events"] if e["kind"] == "extended"]
    assert (extended["on"], extended["term_end"]) == ("2021-12-17", "2024-03-31")
    # A job arq runs twice changes nothing more.
    again = await run_jobs(session, ctx, apply_term_extension, "apply_term_extension")
    assert again == [{"skipped": "already applied"}] * 5
    decision = ok(
        await review.get(
            f"/v1/continuation-applications/{applications[0]}/decision", headers=auth(Role.operator)
        )
    )
    assert decision["registry_result"]["new_term_end"] == "2024-03-31"


async def _assert_messages(
    session: AsyncSession, continued: list[Project], ended: list[Project]
) -> None:
    reminders = await notices(session, "continuation_deadline_reminder")
    keys = [r["dedupe_key"] for r in reminders]
    assert len(keys) == len(set(keys)) == 8 + 3 + 3 + 3 + 3
    thresholds = (14, 7, 1, 0, None)  # None: the 期限超過 notice
    by_days = {d: [r for r in reminders if r["context"]["days_before"] == d] for d in thresholds}
    assert [len(by_days[d]) for d in thresholds] == [8, 3, 3, 3, 3]
    stages = {
        d: {(r["context"]["stage"], r["context"]["days_left"]) for r in by_days[d]}
        for d in thresholds
    }
    assert stages == {
        14: {("days_left", 14)},
        7: {("days_left", 7)},
        1: {("tomorrow", 1)},
        0: {("today", 0)},
        None: {("overdue", 0)},
    }
    ended_emails = sorted(p.contact_email for p in ended)
    for d in (7, 1, 0, None):
        emails = sorted(r["recipients"][0]["email"] for r in by_days[d])
        assert emails == ended_emails
    assert {r["dedupe_key"].rsplit(":", 1)[1] for r in by_days[None]} == {"overdue"}
    assert by_days[1][0]["context"]["deadline"] == "2021-11-01T17:00:00+09:00"
    assert by_days[1][0]["context"]["fiscal_year_label"] == "令和3年度"
    assert by_days[None][0]["context"]["term_end"] == "2022-03-31"

    letters = await notices(session, "continuation_decision")
    assert len(letters) == 5
    assert {r["dedupe_key"].split(":")[0] for r in letters} == {"continuation-decision"}
    assert sorted(r["recipients"][0]["email"] for r in letters) == sorted(
        p.contact_email for p in continued
    )
    assert {r["context"]["term_end"] for r in letters} == {"2024-03-31"}
    assert {r["context"]["decision"] for r in letters} == {"approved"}
    assert {r["context"]["decided_on"] for r in letters} == {"2021-12-17"}

    assert len(await notices(session, "assessment_reminder")) == 2
    escalations = await notices(session, "assessment_escalation")
    assert [e["context"]["reviewer_subject"] for e in escalations] == ["reviewer-tanaka"]
    assert escalations[0]["recipients"][0]["email"] == "review-office@example.jp"


async def _assert_audit(
    review: httpx.AsyncClient, auth: Auth, cycle_id: str, application_id: str, ended: Project
) -> None:
    trail = ok(
        await review.get(
            f"/v1/audit?subject=continuation_application:{application_id}",
            headers=auth(Role.operator),
        )
    )["items"]
    assert [
        (e["action"], (e["before"] or {}).get("state"), e["after"]["state"]) for e in trail
    ] == [
        ("continuation_application.drafted", None, "draft"),
        ("continuation_application.submitted", "draft", "submitted"),
        ("continuation_application.review_started", "submitted", "under_review"),
        ("continuation_application.approved", "under_review", "approved"),
    ]
    assert trail[1]["actor"] == f"municipality:lg-{'052159'}"
    assert trail[1]["at"].endswith("+09:00")
    project_trail = ok(
        await review.get(
            f"/v1/audit?subject=continuation_project:{cycle_id}:{ended.id}",
            headers=auth(Role.operator),
        )
    )["items"]
    assert [e["action"] for e in project_trail] == [
        "continuation_project.eligible",
        "continuation_project.not_submitted",
        "continuation_project.ended",
        "continuation_project.term_end_applied",
    ]
    assert project_trail[1]["actor"] == "system:continuation_sweep"


async def _deliver(
    session: AsyncSession, ctx: dict[str, Any], smtp: SmtpServer, continued: list[Project]
) -> None:
    """What the notify worker does with the review's messages; arq may run each job twice."""
    # The suite's notify database is shared: deliveries earlier tests left due go out first,
    # so what is counted below is this test's letters only.
    await send_due_deliveries(ctx, {})
    earlier = {m["Message-ID"] for m in smtp.received()}
    for payload in await outbox_rows(session, "send_transactional"):
        assert (await send_transactional(ctx, payload))["created"] is True
        assert (await send_transactional(ctx, payload))["created"] is False
    assert await send_due_deliveries(ctx, {}) == {"sent": 28}
    assert await send_due_deliveries(ctx, {}) == {}
    received = [m for m in smtp.received() if m["Message-ID"] not in earlier]
    # Everything before the project's name: the subject each kind and stage writes.
    kinds = Counter(str(m["Subject"]).rsplit("：", 1)[0] for m in received)
    due = "令和3年11月1日（月）17:00"
    assert kinds == {
        f"【あと14日】継続申請の提出期限は{due}です": 8,
        f"【あと7日】継続申請の提出期限は{due}です": 3,
        f"【明日締切】継続申請の提出期限は明日 {due} です": 3,
        f"【本日締切】継続申請の提出期限は本日 {due} です": 3,
        f"【期限超過】継続申請の提出期限（{due}）を過ぎました": 3,
        "【通知】継続審査の結果について": 5,
        "【ご依頼】評価のご提出について（期限：令和3年11月30日（火））": 2,
        "【要対応】評価の提出期限（令和3年11月30日（火））を過ぎています": 1,
    }
    _assert_reminder_bodies(received, due)
    letters = [m for m in received if str(m["Subject"]).startswith("【通知】")]
    assert sorted(m["To"].addresses[0].addr_spec for m in letters) == sorted(
        p.contact_email for p in continued
    )
    body = letters[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert "令和6年3月31日（日）まで延長" in body.get_content()


def _assert_reminder_bodies(received: list[Any], due: str) -> None:
    """Every reminder states the deadline's day and time; each stage words its lead sentence."""
    leads = {
        "【あと14日】": "提出期限まであと14日となりました",
        "【あと7日】": "提出期限まであと7日となりました",
        "【明日締切】": f"提出期限は明日 {due} です",
        "【本日締切】": f"提出期限は本日 {due} です",
        "【期限超過】": f"提出期限（{due}）を過ぎましたが、継続申請書の提出を確認できておりません",
    }
    for message in received:
        label = re.match(r"【[^】]+】", str(message["Subject"]))
        if label is None or label.group() not in leads:
            continue
        plain = message.get_body(preferencelist=("plain",))
        assert plain is not None
        text = plain.get_content()
        assert f"■ 提出期限：{due}" in text
        assert leads[label.group()] in text
        if label.group() == "【期限超過】":
            assert "支援期間の満了（令和4年3月31日（木））をもって支援は終了" in text
