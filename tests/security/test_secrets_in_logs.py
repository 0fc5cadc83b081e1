"""Tokens and e-mail addresses never reach the logs.

A whole scenario — contacts with addresses, a campaign drafted and previewed, an RSVP, a bounce and
the registry suppression it queues, a transactional message with a bad address, calls with bad
tokens — runs with its log output captured; no bearer token, nothing shaped like a JWT and no e-mail
address may appear in it. That no process starts with the development secret outside development
is tested in tests/kernel/test_settings_and_scheduler.py.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from arq.utils import args_to_string
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.logging import configure_logging, redact
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.tasks import record_suppression_in_registry
from services.notify.messages.tasks import send_transactional
from services.notify.models import outbox
from tests.fixtures.clients import bearer
from tests.notify.symposium_data import future_symposium
from tests.security.callers import caller_headers
from tests.security.wiring import Wired

EMAIL = re.compile(r"[\w.+-]+@[\w-]+")
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*")
BEARER = re.compile(r"bearer\s+\S", re.IGNORECASE)
PEOPLE = [(f"職員 {i}", f"staff{i}.logs@city.example.jp") for i in range(3)]


async def scenario(
    wired: Wired,
    token: Callable[..., str],
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    contacts, symposium = await draft_a_campaign(wired, bearer(token(Role.operator)))
    await answer_an_rsvp(wired, settings, contacts[0], symposium)
    await bounce(wired, bearer(token(Role.service)), contacts[1]["email"], sessionmaker, session)
    rejected = await send_transactional(
        {"sessionmaker": sessionmaker},
        {
            "kind": "assessment_reminder",
            "dedupe_key": f"logs-{uuid.uuid4()}",
            "context": {"project_name": "事業", "due_date": "2021-11-30"},
            "recipients": [{"name": "審査 太郎", "email": "taro.logs@@example.jp"}],
        },
    )
    assert "rejected" in rejected
    for headers in caller_headers(settings).values():
        await wired.clients["registry"].get("/v1/contacts", headers=headers)


async def draft_a_campaign(
    wired: Wired, operator: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    registry = wired.clients["registry"]
    contacts = []
    for name, email in PEOPLE:
        body = {"name": name, "email": email, "stakeholder_category": "local_government"}
        response = await registry.post("/v1/contacts", json=body, headers=operator)
        assert response.status_code == 201, response.text
        contacts.append(response.json())
    response = await registry.post("/v1/symposia", json=future_symposium(), headers=operator)
    assert response.status_code == 201, response.text
    symposium: dict[str, Any] = response.json()
    body = {"symposium_id": symposium["id"], "kind": "invitation"}
    campaign = await wired.clients["notify"].post("/v1/campaigns", json=body, headers=operator)
    assert campaign.status_code == 201, campaign.text
    assert campaign.json()["recipient_count"] == len(PEOPLE)
    return contacts, symposium


async def answer_an_rsvp(
    wired: Wired, settings: Settings, contact: dict[str, Any], symposium: dict[str, Any]
) -> None:
    notify = wired.clients["notify"]
    links = symposium_links(settings, contact_id=uuid.UUID(contact["id"]), symposium=symposium)
    rsvp = urlsplit(links["attend"]).path
    assert (await notify.get(rsvp, params={"response": "attend"})).status_code == 200
    answer = await notify.post(rsvp, data={"response": "attend"})
    assert answer.status_code == 200, answer.text
    assert (await notify.get("/v1/rsvp/eyJub3Q.eyJ2YWxpZA.x")).status_code == 400


async def bounce(
    wired: Wired,
    service: dict[str, str],
    email: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    """A hard bounce, and the registry suppression job it queues, run as the worker runs it."""
    body = {"email": email, "type": "hard", "reason": "550 5.1.1"}
    response = await wired.clients["notify"].post("/v1/bounces", json=body, headers=service)
    assert response.status_code == 200, response.text
    job = select(outbox.c.payload).where(outbox.c.function == "record_suppression_in_registry")
    payload = (await session.execute(job)).scalar_one()
    context = {"sessionmaker": sessionmaker, "registry": wired.apps["notify"].state.registry}
    await record_suppression_in_registry(context, payload)


async def test_a_full_scenario_logs_no_token_and_no_email(
    capfd: pytest.CaptureFixture[str],
    wired: Wired,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    configure_logging("INFO", "notify")  # onto the stdout capfd captures, as a process would
    capfd.readouterr()
    await scenario(wired, token, make_settings("notify"), sessionmaker, session)
    # What arq's worker logs when it starts a job: the payload, addresses included.
    payload = {"kind": "assessment_reminder", "recipients": [{"email": PEOPLE[0][1]}]}
    logging.getLogger("arq.worker").info(
        "%6.2fs → %s(%s)", 0.01, "job:send", args_to_string((payload,), {})
    )
    output = capfd.readouterr().out

    lines = [json.loads(line) for line in output.splitlines()]  # every line is a JSON object
    routes = {line.get("route") for line in lines if line.get("event") == "request"}
    assert {"/v1/contacts", "/v1/campaigns", "/v1/rsvp/{token}", "/v1/bounces"} <= routes
    events = {line["event"] for line in lines}
    assert {"job_started", "transactional_message_rejected"} <= events
    assert any(line.get("logger") == "httpx" for line in lines)  # the library's own records
    for pattern in (EMAIL, JWT, BEARER):
        leaked = [line for line in output.splitlines() if pattern.search(line)]
        assert not leaked, f"{pattern.pattern} in the logs:\n" + "\n".join(leaked[:5])
    # The arq line had an address (cut short by arq) and has it masked.
    assert any("***@city." in line.get("event", "") for line in lines)


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("hanako@example.jp", "***@example.jp"),
        (
            "To: 秩父 花子 <Hanako.Chichibu+x@city.example.jp>",
            "To: 秩父 花子 <***@city.example.jp>",
        ),
        ("{'email': 'staff0.logs@city.exa…", "{'email': '***@city.exa…"),  # cut short
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        ("/v1/rsvp/eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "/v1/rsvp/[jwt]"),
        (
            ["a@b.example", {"deep": ("c@d.example",)}],
            ["***@b.example", {"deep": ["***@d.example"]}],
        ),
        (42, 42),
    ],
)
def test_redaction_masks_addresses_and_tokens_wherever_they_are(value: Any, logged: Any) -> None:
    assert redact(None, "info", {"event": "x", "value": value})["value"] == logged


def test_keys_that_only_hold_secrets_are_dropped() -> None:
    event = redact(None, "info", {"event": "x", "Authorization": "opaque", "password": "pw"})
    assert event == {"event": "x", "Authorization": "[redacted]", "password": "[redacted]"}
