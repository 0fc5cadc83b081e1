"""A continuation review across real processes: three APIs (uvicorn), the worker, the scheduler,
PostgreSQL, Redis and an SMTP server, on a database of its own and today's clock.

A cohort whose term ends this fiscal year: one project is approved (the worker extends its registry
term through the outbox and notify mails the letter), one is rejected and one files nothing; the
operator's `jisso review sweep` (ahead of today's clock, so with `--apply-future-effects-now`)
sends the reminder, marks 未申請 and tells the project so, and, as of the day after the term, ends
both in the registry.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.embedded import EmbeddedSmtp, free_port
from libs.common.auth import Role, mint_token
from libs.common.db import async_url
from libs.common.fiscal_year import TOKYO, fiscal_year_end, fiscal_year_of, now_tokyo
from libs.common.migrations import upgrade
from libs.common.settings import load_settings
from services.catalogue import SERVICE_NAMES

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = "/11"  # a database of its own: no other test's jobs in these queues


@dataclass
class System:
    env: dict[str, str]
    urls: dict[str, str]
    maildir: Path
    logs: Path

    def log_lines_with(self, process: str, trace_id: str) -> list[dict[str, Any]]:
        """The JSON log lines of one process that carry this trace id."""
        lines = (self.logs / f"{process}.log").read_text(errors="replace").splitlines()
        return [
            json.loads(line)
            for line in lines
            if line.startswith("{") and f'"trace_id": "{trace_id}"' in line
        ]

    def client(self, service: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[service], timeout=10)

    def sweep(self, as_of: datetime) -> str:
        # The cohort is played ahead of today's clock: each sweep's as-of is in the future, which
        # the operator must name (`--apply-future-effects-now`).
        command = ["review", "sweep", "--as-of", as_of.isoformat(), "--apply-future-effects-now"]
        result = subprocess.run(
            [sys.executable, "-m", "services.cli", *command],
            env={**self.env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def mails(self) -> int:
        new = self.maildir / "new"
        return len(list(new.iterdir())) if new.exists() else 0


async def _create_database(admin_url: str) -> str:
    admin = make_url(async_url(admin_url))
    name = f"jisso_e2e_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    url = admin.set(database=name).render_as_string(hide_password=False)
    for service in SERVICE_NAMES:
        await upgrade(service, url)
    from services.registry.seed import run_seed

    await run_seed(load_settings("registry", database_url=url))
    return url


async def _drop_database(admin_url: str, url: str) -> None:
    engine = create_async_engine(make_url(async_url(admin_url)), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))
    await engine.dispose()


def _own_redis_db(url: str) -> str:
    """This test's Redis database, emptied: no job of an earlier run is left to pick up."""
    own = urlunsplit(urlsplit(url)._replace(path=REDIS_DB))
    client = redis.Redis.from_url(own)
    client.flushdb()
    client.close()
    return own


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)


@pytest.fixture
def system(server_urls: tuple[str, str], tmp_path: Path) -> Iterator[System]:
    admin_url, redis_url = server_urls
    database_url = asyncio.run(_create_database(admin_url))
    smtp = EmbeddedSmtp(tmp_path / "smtp")
    ports: dict[str, int] = {name: free_port() for name in SERVICE_NAMES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    children: list[subprocess.Popen[bytes]] = []
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.endswith("_URL")},
            "DATABASE_URL": database_url,
            "REDIS_URL": _own_redis_db(redis_url),
            "SMTP_URL": smtp.start(),
            "ENVIRONMENT": "development",
            **{f"{name.upper()}_URL": url for name, url in urls.items()},
        }
        for name, port in ports.items():
            children.append(
                _spawn(["serve", name, "--port", str(port)], env, tmp_path / f"{name}.log")
            )
        children.append(_spawn(["worker"], env, tmp_path / "worker.log"))
        children.append(_spawn(["scheduler"], env, tmp_path / "scheduler.log"))
        for name, url in urls.items():
            _wait(_ready(url), f"{name} to be ready")
        yield System(env, urls, smtp.maildir, tmp_path)
    finally:
        _stop(children)
        smtp.stop()
        asyncio.run(_drop_database(admin_url, database_url))


def _token(role: Role, **claims: Any) -> dict[str, str]:
    claims.setdefault("subject", f"{role}-e2e")
    return {"Authorization": f"Bearer {mint_token(load_settings('registry'), role=role, **claims)}"}


OPERATOR = _token(Role.operator)
COHORT = (
    ("082201", "つくば市", "（試験用）つくば市 継続事業"),
    ("072028", "会津若松市", "（試験用）会津若松市 終了事業"),
    ("172065", "加賀市", "（試験用）加賀市 未申請事業"),
)


def _create_cohort(registry: httpx.Client, selection_fy: int) -> list[str]:
    ids = []
    for code, name, title in COHORT:
        registry.post("/v1/local-governments", json={"code": code, "name": name}, headers=OPERATOR)
        project = registry.post(
            "/v1/projects",
            json={
                "title": title,
                "proposers": [{"lg_code": code, "is_lead": True}],
                "selection_fiscal_year": selection_fy,
            },
            headers=OPERATOR,
        )
        assert project.status_code == 201, project.text
        contact = registry.post(
            "/v1/contacts",
            json={
                "name": f"{name} 担当",
                "email": f"e2e-{code}@example.jp",
                "stakeholder_category": "local_government",
                "lg_code": code,
            },
            headers=OPERATOR,
        )
        assert contact.status_code == 201, contact.text
        link = registry.post(
            f"/v1/contacts/{contact.json()['id']}/links",
            json={"project_id": project.json()["id"]},
            headers=OPERATOR,
        )
        assert link.status_code == 201, link.text
        ids.append(project.json()["id"])
    return ids


def _apply(review: httpx.Client, cycle_id: str, project_id: str, code: str) -> str:
    lead = _token(Role.municipality, lg_code=code, subject=f"lg-{code}")
    sections = {"future_vision": "将来像", "achievements": "成果", "plan": "計画"}
    draft = review.post(
        f"/v1/continuation-cycles/{cycle_id}/applications",
        json={"project_id": project_id, **sections},
        headers=lead,
    )
    assert draft.status_code == 201, draft.text
    submitted = review.post(
        f"/v1/continuation-applications/{draft.json()['id']}/submission",
        headers={**lead, "If-Match": draft.headers["ETag"]},
    )
    assert submitted.status_code == 200, submitted.text
    application_id: str = draft.json()["id"]
    return application_id


def _decide(review: httpx.Client, application_id: str, outcome: str, trace_id: str) -> None:
    url = f"/v1/continuation-applications/{application_id}"
    etag = review.get(url, headers=OPERATOR).headers["ETag"]
    decided = review.post(
        f"{url}/decision",
        json={"outcome": outcome, "reason": "書面審査の結果"},
        # A trace started by the caller (W3C traceparent), followed through every process below.
        headers={**OPERATOR, "If-Match": etag, "traceparent": f"00-{trace_id}-{'1' * 16}-01"},
    )
    assert decided.status_code == 201, decided.text


def _assert_one_trace_across_services(system: System, trace_id: str) -> None:
    """The approval's trace: the review API's request, the worker's review jobs (term extension)
    and notify jobs (decision letter), and the registry API's request from the worker."""
    review_routes = {e.get("route") for e in system.log_lines_with("review", trace_id)}
    assert "/v1/continuation-applications/{application_id}/decision" in review_routes
    registry_routes = {e.get("route") for e in system.log_lines_with("registry", trace_id)}
    assert "/v1/projects/{project_id}/term-extensions" in registry_routes
    expected = {("worker", "apply_term_extension"), ("worker", "send_transactional")}

    def finished() -> bool:
        # The registry shows the extension before the worker has logged its job as finished
        # (it logs after its own commit): wait for the line, as for every other effect here.
        jobs = {
            (e.get("service"), e.get("function"))
            for e in system.log_lines_with("worker", trace_id)
            if e.get("event") == "job_finished"
        }
        return expected <= jobs

    _wait(finished, "the worker's jobs of the approval's trace")


def _effects(output: str) -> dict[str, int]:
    """The sweep's summary table as {effect: count}."""
    found = re.findall(r"│\s*([a-z_0-9]+)\s*│[^│]*│\s*(\d+)\s*│", output)
    return {effect: int(count) for effect, count in found if int(count)}


def _status(registry: httpx.Client, project_id: str) -> tuple[str, str]:
    body = registry.get(f"/v1/projects/{project_id}", headers=OPERATOR).json()
    return body["status"], body["term_end"]


def test_a_cohort_through_every_process(system: System) -> None:
    now = now_tokyo()
    fy = fiscal_year_of(now.date())
    term_end = fiscal_year_end(fy)
    deadline = (now + timedelta(days=15)).replace(hour=17, minute=0, second=0, microsecond=0)
    if (deadline + timedelta(days=10)).date() > term_end:
        pytest.skip("too close to the fiscal year's end for a cycle that ends within it")
    registry, review = system.client("registry"), system.client("review")
    approved, rejected, silent = _create_cohort(registry, fy - 2)

    cycle = review.post(
        "/v1/continuation-cycles",
        json={
            "fiscal_year": fy,
            # Two weeks back: an opening on a closed day moves forward, never past today.
            "opens_at": (now - timedelta(days=14)).isoformat(),
            "deadline": deadline.isoformat(),
            "review_due": (deadline + timedelta(days=3)).isoformat(),
            "decision_due": (deadline + timedelta(days=9)).isoformat(),
        },
        headers=OPERATOR,
    )
    assert cycle.status_code == 201, cycle.text
    assert cycle.json()["eligible_projects"] == 3
    effective = datetime.fromisoformat(cycle.json()["deadline"]["effective"]).astimezone(TOKYO)
    applications = [
        _apply(review, cycle.json()["id"], approved, COHORT[0][0]),
        _apply(review, cycle.json()["id"], rejected, COHORT[1][0]),
    ]

    assert _effects(system.sweep(effective - timedelta(days=13))) == {"deadline_reminder_14d": 1}
    assert _effects(system.sweep(effective + timedelta(hours=1))) == {
        "review_started": 2,
        "not_submitted": 1,
        "deadline_reminder_overdue": 1,  # the silent project is told the deadline passed
    }
    approval_trace, rejection_trace = uuid.uuid4().hex, uuid.uuid4().hex
    _decide(review, applications[0], "approved", approval_trace)
    _decide(review, applications[1], "rejected", rejection_trace)
    extended = fiscal_year_end(fy + 2).isoformat()  # two more fiscal years
    _wait(lambda: _status(registry, approved) == ("extended", extended), "the term extension")
    _wait(lambda: system.mails() == 4, "the reminder, the overdue notice and two decisions")
    _assert_one_trace_across_services(system, approval_trace)

    day_after = datetime.combine(term_end + timedelta(days=1), datetime.min.time(), TOKYO)
    assert _effects(system.sweep(day_after)) == {"term_ended": 2}
    ended = ("ended", term_end.isoformat())
    _wait(lambda: _status(registry, rejected) == ended, "the rejected project's end")
    _wait(lambda: _status(registry, silent) == ended, "the silent project's end")
    stats = registry.get(f"/v1/projects/stats?as_of={day_after.date()}", headers=OPERATOR).json()
    cohort = {c["fiscal_year"]: c["supported"] for c in stats["by_selection_fiscal_year"]}
    assert cohort.get(fy - 2) == 1
    assert _effects(system.sweep(day_after)) == {}
    time.sleep(2)  # anything sent twice would have arrived by now
    assert system.mails() == 4
