"""The 令和4年度 continuation cycle, August 2022 to April 2023, for the projects whose term ends on
2023-03-31: the seed's 秩父市 project (R2) continues; of two test projects (titled 試験用: the seed
names no other R2 project) one is rejected and one files nothing. Filing with an audited draft edit,
reminders by stage from the operator's sweep (refused ahead of the clock without the flag that
names the risk), a conflict written the other way round from the seed's council, assessments,
decisions, the registry's term changes, and both term sweeps at the term end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from libs.common.errors import RuleViolation
from services.registry.projects.tasks import sweep_project_terms
from services.review.continuation.tasks import apply_term_ends, apply_term_extension
from tests.e2e.programme_year_support import Year, ok, problem
from tests.review.continuation_support import ENDED, Project, Steps, create_project

CHICHIBU = "112071"
FY2022_CYCLE = {
    "fiscal_year": "R4",
    "opens_at": "2022-09-01T10:00:00",
    "deadline": "2022-10-31T17:00:00",  # a Monday
    "review_due": "2022-11-30T17:00:00+09:00",
    "decision_due": "2022-12-16T17:00:00+09:00",
}
# 秩父市's council, as the seed writes it, has 「(株)三菱総合研究所」.
COUNCIL_COMPANY, REVIEWER_AFFILIATION = "(株)三菱総合研究所", "株式会社三菱総合研究所"


@dataclass(frozen=True)
class Cohort:
    chichibu: Project  # continues
    rejected: Project  # つくば市 (試験用): files, is not approved
    silent: Project  # 会津若松市 (試験用): files nothing


async def continuation_cycle(year: Year) -> Cohort:
    year.clock.set("2022-08-25T10:00")
    cohort = [await _chichibu(year)] + [
        await create_project(year.registry, year.auth, item, selection_fiscal_year="R2")
        for item in ENDED[:2]
    ]
    steps = Steps(year.review, year.auth)
    cycle = await steps.open_cycle(**FY2022_CYCLE)
    # Of all the registry's ☆ projects, only these three end their term in FY2022.
    assert (cycle["eligible_projects"], cycle["term_end"]) == (3, "2023-03-31")
    applications = await _filing(year, steps, cycle["id"], cohort)
    await _review(year, steps, applications)
    await _decide(year, steps, applications, cohort[0])
    await _term_end(year, cohort)
    chichibu, rejected, silent = cohort
    return Cohort(chichibu, rejected, silent)


async def _chichibu(year: Year) -> Project:
    """The seed's 秩父市 project, given the contact the seed does not name."""
    [project] = ok(
        await year.registry.get("/v1/projects?fiscal_year=R2&programme=☆", headers=year.operator)
    )["items"]
    email = "mirai@city.chichibu.example.jp"
    body = {
        "name": "秩父市 未来技術担当",
        "email": email,
        "organisation": "秩父市",
        "stakeholder_category": "local_government",
        "lg_code": CHICHIBU,
    }
    contact = ok(await year.registry.post("/v1/contacts", json=body, headers=year.operator), 201)
    link = {"project_id": project["id"]}
    url = f"/v1/contacts/{contact['id']}/links"
    ok(await year.registry.post(url, json=link, headers=year.operator), 201)
    return Project(project["id"], CHICHIBU, project["title"], email)


async def _filing(year: Year, steps: Steps, cycle_id: str, cohort: list[Project]) -> dict[str, str]:
    chichibu, rejected, _ = cohort
    year.clock.set("2022-09-05T10:00")
    drafts = {p.lg_code: await steps.draft(cycle_id, p) for p in (chichibu, rejected)}
    application_id, etag = drafts[CHICHIBU]
    edited = await year.review.patch(
        f"/v1/continuation-applications/{application_id}",
        json={"plan": "令和5年度から市内全域へ拡大し、物流事業者と共同で自走化する。"},
        headers={**year.municipality(CHICHIBU), "If-Match": etag},
    )
    ok(edited)
    trail = ok(
        await year.review.get(
            f"/v1/audit?subject=continuation_application:{application_id}", headers=year.operator
        )
    )["items"]
    assert [e["action"] for e in trail] == [
        "continuation_application.drafted",
        "continuation_application.edited",
    ]
    assert (trail[1]["actor"], trail[1]["after"]["edited"]) == (
        f"municipality:lg-{CHICHIBU}",
        ["plan"],
    )

    # Fourteen days before the deadline, at 18:00, while the clock says 10:00: a sweep ahead of
    # the clock is refused unless the operator names the risk.
    year.clock.set("2022-10-17T10:00")
    with pytest.raises(RuleViolation) as refused:
        await year.sweep("2022-10-17T18:00")
    assert refused.value.extensions["rule"] == "sweep_as_of_future"
    assert "--apply-future-effects-now" in str(refused.value)
    assert await year.sweep("2022-10-17T18:00", apply_future=True) == {"deadline_reminder_14d": 3}

    year.clock.set("2022-10-20T15:00")
    for project in (chichibu, rejected):
        application_id, _ = drafts[project.lg_code]
        etag = await steps.etag(application_id)
        ok(await steps.submit(application_id, etag, project.lg_code))
    for moment, expected in (
        ("2022-10-30T18:00", {"deadline_reminder_1d": 1}),
        ("2022-10-31T09:00", {"deadline_reminder_0d": 1}),
        (
            "2022-10-31T18:00",
            {"review_started": 2, "not_submitted": 1, "deadline_reminder_overdue": 1},
        ),
    ):
        year.clock.set(moment)  # the scheduler's slot: as of now, no flag needed
        assert await year.sweep(moment) == expected, moment
    return {lg: application_id for lg, (application_id, _) in drafts.items()}


async def _review(year: Year, steps: Steps, applications: dict[str, str]) -> None:
    year.clock.set("2022-11-01T10:00")
    chichibu, rejected = applications[CHICHIBU], applications[ENDED[0].lg_code]
    await steps.register_reviewer("reviewer-mri", REVIEWER_AFFILIATION)
    conflict = await steps.assign(chichibu, "reviewer-mri")
    reasons = problem(conflict, 409, "conflict_of_interest")["reasons"]
    assert any(f"「{COUNCIL_COMPANY}」" in reason for reason in reasons), reasons
    await steps.register_reviewer("reviewer-sato", "東京大学 大学院工学系研究科")
    for application_id in (chichibu, rejected):
        assignment = ok(await steps.assign(application_id, "reviewer-sato"), 201)
        assert assignment["reviewer_subject"] == "reviewer-sato"
    year.clock.set("2022-11-10T10:00")
    assert (await steps.assess(chichibu, "reviewer-sato", score=4))["total"] == 12
    assert (await steps.assess(rejected, "reviewer-sato", score=2))["total"] == 6


async def _decide(
    year: Year, steps: Steps, applications: dict[str, str], chichibu: Project
) -> None:
    year.clock.set("2022-12-16T10:00")
    approved = ok(await steps.decide(applications[CHICHIBU]), 201)
    assert (approved["outcome"], approved["new_term_end"]) == ("approved", "2025-03-31")
    rejected = ok(await steps.decide(applications[ENDED[0].lg_code], outcome="rejected"), 201)
    assert rejected["outcome"] == "rejected"
    [extension] = await year.run_jobs(apply_term_extension, "apply_term_extension")
    assert (extension["new_term_end"], extension["status"]) == ("2025-03-31", "extended")
    assert await year.run_jobs(apply_term_extension, "apply_term_extension") == [
        {"skipped": "already applied"}
    ]
    project = ok(await year.registry.get(f"/v1/projects/{chichibu.id}", headers=year.operator))
    assert (project["status"], project["term_end"], project["extensions"]) == (
        "extended",
        "2025-03-31",
        1,
    )
    history = ok(
        await year.registry.get(f"/v1/projects/{chichibu.id}/term-history", headers=year.partner)
    )
    # The extension is dated by the decision (2022-12-16), not by when the job reached the
    # registry (the real clock, years later).
    assert [(e["kind"], e["on"], e["term_end"]) for e in history["events"]] == [
        ("selected", "2020-04-01", "2023-03-31"),
        ("extended", "2022-12-16", "2025-03-31"),
    ]
    extended = history["events"][1]
    assert (extended["decision_id"], extended["decided_on"]) == (approved["id"], "2022-12-16")
    assert extended["reason"].startswith("継続承認（令和4年12月16日")


async def _term_end(year: Year, cohort: list[Project]) -> None:
    """At the term end the registry's hourly sweep comes first (支援期間満了); the review's own
    sweep then ends the two without an approved continuation, and its reasons replace it."""
    _, rejected, silent = cohort
    year.clock.set("2023-03-31T10:00")
    swept = await sweep_project_terms(year.registry_ctx(), {"as_of": "2023-04-01T00:00:00+09:00"})
    assert swept == {"day": "2023-04-01", "ended": 2}
    assert await year.sweep("2023-04-01T00:00", apply_future=True) == {"term_ended": 2}
    outcomes = await year.run_jobs(apply_term_ends, "apply_term_ends")
    assert sum(o["applied"] for o in outcomes) == 2 and not any(o["refused"] for o in outcomes)
    for project, reason in (
        (rejected, "継続承認なし（支援期間満了）"),
        (silent, "継続申請なし（支援期間満了）"),
    ):
        body = ok(await year.registry.get(f"/v1/projects/{project.id}", headers=year.operator))
        assert (body["status"], body["ended_on"], body["end_reason"]) == (
            "ended",
            "2023-03-31",
            reason,
        )
    history = ok(
        await year.registry.get(f"/v1/projects/{silent.id}/term-history", headers=year.operator)
    )
    assert [(e["kind"], e["reason"], e["superseded"]) for e in history["events"]] == [
        ("selected", "令和2年度選定", False),
        ("expired", "支援期間満了", True),
        ("ended", "継続申請なし（支援期間満了）", False),
    ]


def reminder_leads(due: str) -> dict[str, str]:
    """Each stage's label and the sentence its letter leads with."""
    return {
        "【あと14日】": "提出期限まであと14日となりました",
        "【明日締切】": f"提出期限は明日 {due} です",
        "【本日締切】": f"提出期限は本日 {due} です",
        "【期限超過】": f"提出期限（{due}）を過ぎましたが、継続申請書の提出を確認できておりません",
    }


def letter_of(messages: list[Any], to: str, label: str) -> Any:
    [found] = [
        m
        for m in messages
        if str(m["Subject"]).startswith(label) and m["To"].addresses[0].addr_spec == to
    ]
    return found
