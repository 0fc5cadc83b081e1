"""Dependencies that misbehave rather than vanish: an SMTP server that answers 421/451 for a while
and 550 for some mailboxes, and a database that drops a service's connections under load."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from libs.common.auth import Role
from tests.chaos.harness import System
from tests.chaos.invariants import addressees, assert_mail_delivered_once
from tests.chaos.world import LEADS, approve_campaign, audience, draft_campaign, ok, recipient

pytestmark = pytest.mark.chaos
GUESTS = 60
REJECTED = {recipient(i) for i in range(0, GUESTS, 10)}
CLIENTS, ROUNDS = 6, 15  # a bounded load: 90 creations and 90 changes
TERMINATIONS = 6


async def wait_attempts(system: System, attempts: int) -> None:
    """Until every delivery has been tried `attempts` times, all refused for now (`retrying`);
    ticking the sender as the scheduler does every 10 s, only more often."""

    async def tried() -> bool:
        await system.enqueue("notify", "send_due_deliveries")
        refused = await system.scalar(
            "SELECT count(*) FROM notify.deliveries WHERE state = 'retrying' AND attempts >= :n",
            n=attempts,
        )
        return bool(refused == GUESTS)

    await system.wait_for(tried, f"every delivery refused {attempts} times", interval=1.0)


async def test_smtp_refusing_for_a_while_and_rejecting_some_mailboxes(system: System) -> None:
    system.reject_file.write_text("\n".join(sorted(REJECTED)) + "\n")
    system.fail_file.write_text("421\n")
    symposium_id = await audience(system, GUESTS)
    async with system.client("notify") as notify:
        draft = await draft_campaign(notify, system, symposium_id)
        await approve_campaign(notify, system, draft)
        await wait_attempts(system, 1)
        system.fail_file.write_text("451\n")
        await wait_attempts(system, 2)
        assert system.mails() == []
        system.fail_file.unlink()
        await system.quiescent()
        campaign = ok(
            await notify.get(
                f"/v1/campaigns/{draft.json()['id']}", headers=system.auth(Role.operator)
            )
        )

    assert campaign["status"] == "done"
    assert campaign["counts"] == {"sent": GUESTS - len(REJECTED), "bounced": len(REJECTED)}
    mails = await assert_mail_delivered_once(system)
    assert addressees(mails) == {
        recipient(i): 1 for i in range(GUESTS) if recipient(i) not in REJECTED
    }
    bounced = await system.rows(
        "SELECT email, attempts, last_error FROM notify.deliveries WHERE state = 'bounced'"
    )
    assert {row[0] for row in bounced} == REJECTED
    # Refused at least twice (421, then 451), then rejected for good or delivered.
    assert all(attempts >= 3 and error.startswith("550") for _, attempts, error in bounced)
    first_tries = await system.scalar(
        "SELECT min(attempts) FROM notify.deliveries WHERE state = 'sent'"
    )
    assert first_tries >= 3
    suppressed = await system.rows("SELECT email, state, reason FROM notify.suppressions")
    assert {row[0]: row[1] for row in suppressed} == dict.fromkeys(REJECTED, "bounced")
    assert all("550" in reason for *_, reason in suppressed)
    mirrored = await system.rows(
        "SELECT email, suppression FROM registry.contacts WHERE suppression IS NOT NULL"
    )
    assert {row[0]: row[1] for row in mirrored} == dict.fromkeys(REJECTED, "bounced")


@dataclass
class Answer:
    what: str  # create | change
    status: int
    content_type: str
    project_id: str | None


async def _client_load(registry: httpx.AsyncClient, system: System, client: int) -> list[Answer]:
    """Create a project and change it, ROUNDS times, one request after the other."""
    operator = system.auth(Role.operator)
    answers = []
    for n in range(ROUNDS):
        title = f"（試験用）負荷 {client}-{n:02d}"
        body = {
            "title": title,
            "proposers": [{"lg_code": LEADS[client % len(LEADS)], "is_lead": True}],
            "selection_fiscal_year": "R6",
        }
        created = await _send(registry, "POST", "/v1/projects", json=body, headers=operator)
        project_id = created.json()["id"] if created.status_code == 201 else None
        answers.append(Answer("create", created.status_code, _kind(created), project_id))
        if project_id is None:
            continue
        changed = await _send(
            registry,
            "PATCH",
            f"/v1/projects/{project_id}",
            json={"title": f"{title} 更新"},
            headers={**operator, "If-Match": created.headers["ETag"]},
        )
        answers.append(Answer("change", changed.status_code, _kind(changed), project_id))
    return answers


async def _send(
    registry: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """The answer, or status 0 when the connection broke without one (never a clean failure)."""
    try:
        return await registry.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        return httpx.Response(0, text=f"{type(exc).__name__}: {exc}")


def _kind(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0]


async def _terminate_registry_connections(system: System) -> int:
    """What an operator's `pg_terminate_backend` (or a failover) does to the registry's pool."""
    terminated = 0
    for _ in range(TERMINATIONS):
        await asyncio.sleep(0.3)
        terminated += await system.scalar(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'jisso-registry' AND datname = current_database()) t"
        )
    return terminated


async def test_database_connections_dropped_under_load(system: System) -> None:
    async with system.client("registry") as registry:
        load = asyncio.gather(*(_client_load(registry, system, c) for c in range(CLIENTS)))
        terminated = await _terminate_registry_connections(system)
        answers = [answer for client in await load for answer in client]
        await system.wait_ready("registry")
        after = await registry.get("/v1/projects?limit=1", headers=system.auth(Role.operator))
    assert terminated > 0
    assert after.status_code == 200
    statuses = Counter((a.what, a.status) for a in answers)
    assert {status for _, status in statuses} <= {200, 201, 503}, statuses
    assert {a.content_type for a in answers if a.status >= 500} <= {"application/problem+json"}

    # Nothing half-written: each project whole (its lead, its creation audited), each change
    # applied with its audit event or not at all; what was answered 2xx is there.
    rows = await system.rows(
        "SELECT p.id::text, p.title,"
        " (SELECT count(*) FROM registry.project_proposers r WHERE r.project_id = p.id"
        "   AND r.is_lead),"
        " (SELECT count(*) FROM registry.audit_events a"
        "   WHERE a.subject_id = p.id::text AND a.action = 'project.created'),"
        " (SELECT count(*) FROM registry.audit_events a"
        "   WHERE a.subject_id = p.id::text AND a.action = 'project.updated')"
        " FROM registry.projects p WHERE p.title LIKE '（試験用）負荷%'"
    )
    titles = {project_id: title for project_id, title, *_ in rows}
    for _, title, leads, created, updated in rows:
        assert (leads, created, updated) == (1, 1, int(title.endswith("更新"))), title
    assert {a.project_id for a in answers if a.what == "create" and a.status == 201} <= set(titles)
    changed = [a.project_id for a in answers if a.what == "change" and a.status == 200]
    assert all(titles[p].endswith("更新") for p in changed if p)
    await system.quiescent()
