"""One programme year as the office runs it (issue 16, "Done means"), on a controlled clock, from a
fresh ``jisso seed`` on a database of its own:

1. 2021-08-24 — the seed's facts: counted rows beside published figures, the FY2021 joint-review
   round (☆9 □9 ○14 ●12 ■30, 62 regions, 42 collaborating) with that year's legend, symposia held,
   designations, a continued project's term history, one API shape (``programme_year_seed.py``);
2. January–April 2022 — the 令和4年度 joint-review round: caps, quotas, a conflicted reviewer, an
   early close refused, selections, the embargo, publication, ☆ registry projects
   (``programme_year_joint.py``);
3. August 2022–April 2023 — the 令和4年度 continuation cycle: filing, reminders by stage, a
   conflict as people write organisations, assessments, decisions, both sweeps at the term end
   (``programme_year_continuation.py``);
4. then the stored status agreeing with ``status_as_of`` (lists, stats, exports) after the term
   sweep, on the term end and today, and every letter through notify to the SMTP sink.

Real PostgreSQL, Redis and SMTP server; the apps in process on committing sessions; the workers'
jobs run by hand, each twice where arq might.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from libs.common.fiscal_year import now_tokyo
from services.registry.projects.tasks import sweep_project_terms
from tests.e2e.programme_year_continuation import (
    Cohort,
    continuation_cycle,
    letter_of,
    reminder_leads,
)
from tests.e2e.programme_year_joint import contact, joint_review_round
from tests.e2e.programme_year_seed import PUBLISHED, the_seed_states_its_facts
from tests.e2e.programme_year_support import Year, ok, plain_text, programme_year, subjects
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.e2e
STATUSES = ("not_started", "supported", "extended", "ended", "withdrawn")
DUE = "令和4年10月31日（月）17:00"


@pytest.fixture
async def year(
    server_urls: tuple[str, str], redis_url: str, smtp_server: SmtpServer
) -> AsyncIterator[Year]:
    async with programme_year(server_urls[0], redis_url, smtp_server) as built:
        yield built


async def test_one_programme_year(year: Year) -> None:
    await the_seed_states_its_facts(year)
    joint_projects = await joint_review_round(year)
    cohort = await continuation_cycle(year)
    await _status_follows_the_term(year, on="2023-04-01", projects=10)
    await _counted_and_exported(year, cohort, joint_projects)
    swept = await sweep_project_terms(year.registry_ctx(), {"as_of": now_tokyo().isoformat()})
    # Today every term has run out: the five R1 continuations (2024-03-31), 秩父市 and the two
    # joint-review projects (2025-03-31).
    assert swept["ended"] == 8
    today = await _status_follows_the_term(year, on=now_tokyo().date().isoformat(), projects=10)
    assert {p["status"] for p in today} == {"ended"}
    history = ok(
        await year.registry.get(
            f"/v1/projects/{cohort.chichibu.id}/term-history", headers=year.operator
        )
    )
    assert [(e["kind"], e["on"], e["term_end"]) for e in history["events"]] == [
        ("selected", "2020-04-01", "2023-03-31"),
        ("extended", "2022-12-16", "2025-03-31"),
        ("expired", "2025-03-31", "2025-03-31"),
    ]
    assert (history["status"], history["end_reason"]) == ("ended", "支援期間満了")
    await _letters(year, cohort)


async def _projects(year: Year, **params: str) -> list[dict[str, Any]]:
    page = ok(
        await year.registry.get(
            "/v1/projects", params={"limit": "200", **params}, headers=year.operator
        )
    )
    assert page["next"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


async def _status_follows_the_term(year: Year, *, on: str, projects: int) -> list[dict[str, Any]]:
    """After the term sweep of ``on``, each project's stored status is its status on that day,
    and each ``?status=`` filter lists exactly the projects whose ``status_as_of`` it names."""
    every = await _projects(year, as_of=on)
    assert len(every) == projects
    assert [(p["title"], p["status"]) for p in every] == [
        (p["title"], p["status_as_of"]) for p in every
    ]
    for status in STATUSES:
        filtered = await _projects(year, as_of=on, status=status)
        assert sorted(p["id"] for p in filtered) == sorted(
            p["id"] for p in every if p["status_as_of"] == status
        ), status
    return every


async def _counted_and_exported(year: Year, cohort: Cohort, joint_projects: list[str]) -> None:
    stats = ok(await year.registry.get("/v1/projects/stats?as_of=2023-04-01", headers=year.partner))
    assert [(c["fiscal_year"], c["supported"]) for c in stats["by_selection_fiscal_year"]] == [
        (2019, 5),
        (2020, 1),
        (2022, 2),
    ]
    assert stats["total"] == 8
    assert {f["key"]: f["value"] for f in stats["published"]} == PUBLISHED  # never moves

    export = await year.registry.get(
        "/v1/projects/export.csv", params={"as_of": "2023-04-01"}, headers=year.operator
    )
    rows = {r["事業ID"]: r for r in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))}
    assert set(rows) == {p["id"] for p in await _projects(year)}
    assert {k: rows[cohort.chichibu.id][k] for k in ("状態", "支援終了", "延長回数", "終了日")} == {
        "状態": "支援延長",
        "支援終了": "2025-03-31",
        "延長回数": "1",
        "終了日": "",
    }
    assert {k: rows[cohort.rejected.id][k] for k in ("状態", "終了日", "延長回数", "終了理由")} == {
        "状態": "支援終了",
        "終了日": "2023-03-31",
        "延長回数": "0",
        "終了理由": "継続承認なし（支援期間満了）",
    }
    assert rows[cohort.silent.id]["終了理由"] == "継続申請なし（支援期間満了）"
    assert {rows[p]["状態"] for p in joint_projects} == {"支援中"}


async def _letters(year: Year, cohort: Cohort) -> None:
    received = await year.deliver()
    counted = subjects(received)
    joint = {s: n for s, n in counted.items() if "合同審査の結果について" in s}
    assert sum(joint.values()) == 3
    assert {s: n for s, n in counted.items() if s not in joint} == {
        f"【あと14日】継続申請の提出期限は{DUE}です": 3,
        f"【明日締切】継続申請の提出期限は明日 {DUE} です": 1,
        f"【本日締切】継続申請の提出期限は本日 {DUE} です": 1,
        f"【期限超過】継続申請の提出期限（{DUE}）を過ぎました": 1,
        "【通知】継続審査の結果について": 2,
    }
    for label, lead in reminder_leads(DUE).items():
        text = plain_text(letter_of(received, cohort.silent.contact_email, label))
        assert lead in text and f"■ 提出期限：{DUE}" in text, label
    overdue = plain_text(letter_of(received, cohort.silent.contact_email, "【期限超過】"))
    assert "支援期間の満了（令和5年3月31日（金））をもって支援は終了" in overdue
    approval = plain_text(letter_of(received, cohort.chichibu.contact_email, "【通知】"))
    assert "令和7年3月31日（月）まで延長" in approval
    selected = letter_of(received, contact("162019")["email"], "【通知】")
    assert "令和4年度" in str(selected["Subject"])
