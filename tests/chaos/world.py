"""What the chaos tests act on, made through the running system's APIs as users would make it:
a cohort whose support term ends this fiscal year with its continuation cycle, applications and
decisions; a symposium with an audience and an invitation campaign.

Only the bulk audience rows (hundreds of contacts) go straight into the registry's table: the
faults under test are in sending to them, not in typing them in.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import insert

from libs.common.auth import Role
from libs.common.email_identity import address_key
from libs.common.fiscal_year import TOKYO, fiscal_year_end, fiscal_year_of, now_tokyo
from services.registry.contacts.models import Contact
from services.review.config import ReviewSettings
from services.review.continuation.commands import run_sweep
from tests.chaos.harness import System

# Local governments the seed loads (a project's lead must be one the registry knows).
LEADS = ("052159", "112071", "162019", "212016", "220001", "342076")
SECTIONS = {"future_vision": "将来像", "achievements": "成果", "plan": "計画"}
T = TypeVar("T")
_symposium_numbers = itertools.count(1)  # 第N回, unique within a fiscal year


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json()


async def bounded(calls: Iterable[Awaitable[T]], at_once: int = 8) -> list[T]:
    """Run the calls with at most `at_once` in flight (a load the APIs' small pools can take)."""
    gate = asyncio.Semaphore(at_once)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


@dataclass(frozen=True)
class Project:
    id: str
    lg_code: str
    email: str


@dataclass
class Cohort:
    cycle_id: str
    deadline: datetime  # the effective one (moved off closed days)
    term_end: date
    projects: list[Project]


async def _project(
    registry: httpx.AsyncClient, operator: dict[str, str], n: int, selected: int
) -> Project:
    code = LEADS[n % len(LEADS)]
    project = ok(
        await registry.post(
            "/v1/projects",
            json={
                "title": f"（試験用）障害試験 事業{n:03d}",
                "proposers": [{"lg_code": code, "is_lead": True}],
                "selection_fiscal_year": selected,
            },
            headers=operator,
        ),
        201,
    )
    email = f"project{n:03d}@chaos.example.jp"
    contact = ok(
        await registry.post(
            "/v1/contacts",
            json={
                "name": f"事業{n:03d} 担当",
                "email": email,
                "stakeholder_category": "local_government",
                "lg_code": code,
            },
            headers=operator,
        ),
        201,
    )
    link = {"project_id": project["id"]}
    ok(await registry.post(f"/v1/contacts/{contact['id']}/links", json=link, headers=operator), 201)
    return Project(project["id"], code, email)


def _cycle(now: datetime, deadline_in: timedelta) -> dict[str, Any]:
    """A cycle opened two weeks ago (a date on a closed day moves to the next open day, so "just
    now" could move into the future) for the cohort whose term ends this fiscal year — or the next
    one, when this one ends before the cycle's decision could."""
    deadline = (now + deadline_in).replace(hour=17, minute=0, second=0, microsecond=0)
    fiscal_year = fiscal_year_of(now.date())
    if (deadline + timedelta(days=20)).date() > fiscal_year_end(fiscal_year):
        fiscal_year += 1
    return {
        "fiscal_year": fiscal_year,
        "opens_at": (now - timedelta(days=14)).isoformat(),
        "deadline": deadline.isoformat(),
        "review_due": (deadline + timedelta(days=3)).isoformat(),
        "decision_due": (deadline + timedelta(days=9)).isoformat(),
    }


async def build_cohort(system: System, size: int, *, deadline_in: timedelta) -> Cohort:
    """`size` projects whose support term ends in the cycle's fiscal year, and the cycle."""
    body = _cycle(now_tokyo(), deadline_in)
    operator = system.auth(Role.operator)
    selected = body["fiscal_year"] - 2
    async with system.client("registry") as registry:
        projects = await bounded(_project(registry, operator, n, selected) for n in range(size))
    async with system.client("review") as review:
        cycle = ok(await review.post("/v1/continuation-cycles", json=body, headers=operator), 201)
    assert cycle["eligible_projects"] == size
    effective = datetime.fromisoformat(cycle["deadline"]["effective"]).astimezone(TOKYO)
    return Cohort(cycle["id"], effective, fiscal_year_end(body["fiscal_year"]), projects)


async def apply(review: httpx.AsyncClient, system: System, cohort: Cohort, project: Project) -> str:
    """The lead municipality drafts and submits; returns the application id."""
    lead = system.auth(Role.municipality, lg_code=project.lg_code, subject=f"lg-{project.lg_code}")
    draft = await review.post(
        f"/v1/continuation-cycles/{cohort.cycle_id}/applications",
        json={"project_id": project.id, **SECTIONS},
        headers=lead,
    )
    ok(draft, 201)
    ok(
        await review.post(
            f"/v1/continuation-applications/{draft.json()['id']}/submission",
            headers={**lead, "If-Match": draft.headers["ETag"]},
        )
    )
    application_id: str = draft.json()["id"]
    return application_id


async def sweep(system: System, as_of: datetime) -> dict[str, int]:
    """`jisso review sweep --as-of`, in this process: one transaction, then its messages. The
    cohort is played ahead of today's clock, so the future is named (as
    `--apply-future-effects-now` does)."""
    report = await run_sweep(
        system.settings("review"), ReviewSettings(), as_of=as_of, dry_run=False, apply_future=True
    )
    return {effect: n for effect, n in report.counts.items() if n}


async def past_deadline(system: System, cohort: Cohort) -> dict[str, int]:
    """Submitted applications go under review; projects that filed nothing are 未申請."""
    return await sweep(system, cohort.deadline + timedelta(hours=1))


def after_term(cohort: Cohort) -> datetime:
    return datetime.combine(cohort.term_end + timedelta(days=1), datetime.min.time(), TOKYO)


async def decision_request(
    review: httpx.AsyncClient, system: System, application_id: str, outcome: str
) -> httpx.Response:
    """An operator's decision, with the application's current ETag; the answer unchecked."""
    url = f"/v1/continuation-applications/{application_id}"
    operator = system.auth(Role.operator)
    current = await review.get(url, headers=operator)
    ok(current)
    return await review.post(
        f"{url}/decision",
        json={"outcome": outcome, "reason": "書面審査の結果"},
        headers={**operator, "If-Match": current.headers["ETag"]},
    )


async def audience(system: System, size: int, category: str = "private_company") -> str:
    """A symposium two months ahead for `category`, and `size` contacts of it; its id."""
    starts = (now_tokyo() + timedelta(days=60)).replace(hour=13, minute=30, second=0, microsecond=0)
    async with system.client("registry") as registry:
        symposium = ok(
            await registry.post(
                "/v1/symposia",
                json={
                    "fiscal_year": fiscal_year_of(starts.date()),
                    "number": next(_symposium_numbers),
                    "theme": "障害試験 ミニシンポジウム",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=90)).isoformat(),
                    "audience": [category],
                },
                headers=system.auth(Role.operator),
            ),
            201,
        )
    async with system.engine.begin() as conn:
        await conn.execute(
            insert(Contact),
            [
                {
                    "id": uuid.uuid4(),
                    "name": f"受信者{i:04d}",
                    "email": recipient(i),
                    "email_key": address_key(recipient(i)),
                    "stakeholder_category": category,
                    "search_key": "",
                    "organisation": "",
                    "version": 1,
                }
                for i in range(size)
            ],
        )
    symposium_id: str = symposium["id"]
    return symposium_id


def recipient(i: int) -> str:
    return f"guest{i:04d}@company.chaos.example.jp"


async def draft_campaign(
    notify: httpx.AsyncClient, system: System, symposium_id: str
) -> httpx.Response:
    """The draft (its body and its ETag, which the approval needs)."""
    response = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium_id, "kind": "invitation"},
        headers=system.auth(Role.operator),
    )
    ok(response, 201)
    return response


async def approve_campaign(
    notify: httpx.AsyncClient, system: System, draft: httpx.Response
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await notify.post(
            f"/v1/campaigns/{draft.json()['id']}/approval",
            headers={**system.auth(Role.operator), "If-Match": draft.headers["ETag"]},
        )
    )
    return body
