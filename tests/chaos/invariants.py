"""The end state every chaos test checks once the system is quiescent: each decision applied once in
the registry, each message delivered once or not at all with a reason, nothing refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from libs.common.fiscal_year import fiscal_year_end
from tests.chaos.harness import System

FINAL_WITH_REASON = ("bounced", "failed", "suppressed")


async def delivery_states(system: System) -> Counter[str]:
    rows = await system.rows("SELECT state, count(*) FROM notify.deliveries GROUP BY state")
    return Counter({state: int(n) for state, n in rows})


async def assert_mail_delivered_once(system: System) -> list[Any]:
    """The Maildir holds exactly one copy of each `sent` delivery and nothing else; every delivery
    that was not sent says why. Returns the messages."""
    mails = system.mails()
    received = [str(m["Message-ID"]) for m in mails]
    sent = {
        row[0]
        for row in await system.rows(
            "SELECT smtp_message_id FROM notify.deliveries WHERE state = 'sent'"
        )
    }
    duplicates = [mid for mid, n in Counter(received).items() if n > 1]
    assert not duplicates, f"delivered twice: {duplicates[:5]}"
    assert set(received) == sent, (
        f"{len(set(received) - sent)} received but not recorded as sent, "
        f"{len(sent - set(received))} recorded as sent but not received"
    )
    unexplained = await system.scalar(
        "SELECT count(*) FROM notify.deliveries WHERE state = ANY(:final)"
        " AND coalesce(last_error, '') = ''",
        final=list(FINAL_WITH_REASON),
    )
    assert unexplained == 0, "a delivery ended without a reason"
    return mails


def addressees(mails: Iterable[Any]) -> Counter[str]:
    """How many messages each address received."""
    return Counter(a.addr_spec for m in mails for a in m["To"].addresses)


async def assert_nothing_refused(system: System) -> None:
    """No registry call was refused and recorded as such by a review job."""
    refused = await system.rows(
        "SELECT action, subject_id, after FROM review.audit_events WHERE action LIKE '%refused'"
    )
    assert refused == []


async def term_changes(system: System, project_id: str) -> list[tuple[str, str]]:
    """(kind, decision id) of every term change the registry recorded for a project."""
    rows = await system.rows(
        "SELECT kind, decision_id FROM registry.term_changes WHERE project_id = :p ORDER BY kind",
        p=project_id,
    )
    return [(kind, decision) for kind, decision in rows]


async def project_term(system: System, project_id: str) -> tuple[str, str, int]:
    row = (
        await system.rows(
            "SELECT status, term_end, extensions FROM registry.projects WHERE id = :p",
            p=project_id,
        )
    )[0]
    return row[0], row[1].isoformat(), int(row[2])


async def assert_extended_once(system: System, project_id: str, decision_id: str) -> None:
    """An approval: one extension in the registry by this decision, recorded back in review."""
    fiscal_year = await system.scalar(
        "SELECT selection_fiscal_year FROM registry.projects WHERE id = :p", p=project_id
    )
    extended_to = fiscal_year_end(fiscal_year + 4).isoformat()  # three years and two more
    assert await project_term(system, project_id) == ("extended", extended_to, 1)
    assert await term_changes(system, project_id) == [("extension", decision_id)]
    recorded = await system.scalar(
        "SELECT registry_result->>'new_term_end' FROM review.continuation_decisions WHERE id = :d",
        d=decision_id,
    )
    assert recorded == extended_to


async def assert_ended_once(system: System, cycle_id: str, project_id: str) -> None:
    """A term end: one end in the registry, the cycle's entry `ended` with the registry's answer."""
    status, _, extensions = await project_term(system, project_id)
    assert (status, extensions) == ("ended", 0)
    assert await term_changes(system, project_id) == [("end", f"term-end:{cycle_id}:{project_id}")]
    entry = await system.rows(
        "SELECT state, registry_result->>'status' FROM review.continuation_cycle_projects"
        " WHERE cycle_id = :c AND project_id = :p",
        c=cycle_id,
        p=project_id,
    )
    assert [tuple(e) for e in entry] == [("ended", "ended")]
