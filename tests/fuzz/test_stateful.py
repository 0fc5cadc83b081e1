"""Schemathesis's stateful tests: sequences of calls that follow the documents' OpenAPI links.

The registry's contacts and symposia and notify's campaigns declare links (`libs/common/
openapi_links.py`): create one, then read it, change it with its ETag as If-Match, suppress, cancel,
approve or withdraw it. Schemathesis draws sequences of such steps, each request valid by the
document (invalid ones are test_openapi_fuzz.py's); each scenario runs as an operator in a
savepoint of the test's transaction (rolled back after it), and every step must:

- never answer 5xx;
- answer with a status, content type and body its operation documents.

`make test` draws a few short scenarios, derandomized (the same ones each run); `make fuzz` draws
`FUZZ_EXAMPLES` of them, longer, from a fresh seed. Only the declared links are followed: the links
schemathesis would infer by itself connect nearly every operation to every other, which spreads a
small budget too thin to reach the chains above.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.core.transport import Response

from tests.fuzz.conftest import Target
from tests.fuzz.transport import CHECKS, send
from tests.notify.symposium_data import future_symposium

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
LONG_RUN = "FUZZ_EXAMPLES" in os.environ
SCENARIOS = int(os.environ.get("FUZZ_EXAMPLES", "4"))
STEPS = 20 if LONG_RUN else 5
SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS,
    derandomize=not LONG_RUN,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
DRAFT = "POST /v1/campaigns"


def load(service: str) -> schemathesis.BaseSchema:
    config = {
        "generation": {"mode": "positive"},
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
    return schemathesis.openapi.from_path(
        OPENAPI / f"{service}.json", config=schemathesis.Config.from_dict(config)
    ).exclude(path="/readyz")


def run_scenarios(
    service: str, target: Target, fixed: dict[str, Callable[[], dict[str, Any]]]
) -> list[tuple[str, int]]:
    """Run the service's state machine against its in-process app; returns each step's operation
    and status. `fixed`: body fields set on every creation, so that a scenario gets past its
    first step to the calls its links lead to (the single-operation fuzz varies them)."""
    client = target.wired.clients[service]
    base: Any = load(service).as_state_machine()
    steps: list[tuple[str, int]] = []

    class OnTheApp(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.savepoint = target.loop.run_until_complete(target.connection.begin_nested())

        def teardown(self) -> None:
            target.loop.run_until_complete(self.savepoint.rollback())

        def before_call(self, case: schemathesis.Case) -> None:
            label = case.operation.label
            if label in fixed and isinstance(case.body, dict):
                case.body.update(fixed[label]())

        def call(self, case: schemathesis.Case, **kwargs: Any) -> Response:
            sent = target.loop.run_until_complete(send(case, client, target.headers))
            steps.append((case.operation.label, sent.status_code))
            return Response.from_httpx(sent, verify=False)

        def validate_response(
            self, response: Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, recorder=self.recorder)

    run_state_machine_as_test(OnTheApp, settings=SETTINGS)
    return steps


def followed_links(steps: list[tuple[str, int]], *targets: str) -> bool:
    """Whether some step called a link's target and got past validation (2xx)."""
    return any(label in targets and status < 300 for label, status in steps)


def test_registry_sequences(target: Target) -> None:
    """Contacts and symposia: created, then read, changed, suppressed or cancelled by their
    links."""

    def contact() -> dict[str, Any]:
        return {"email": f"fuzz.{uuid.uuid4().hex[:12]}@city.example.jp", "lg_code": None}

    def symposium() -> dict[str, Any]:
        dates = future_symposium()  # a fiscal year and a start before the end, as the rules need
        return {k: dates[k] for k in ("fiscal_year", "starts_at", "ends_at")}

    steps = run_scenarios(
        "registry", target, {"POST /v1/contacts": contact, "POST /v1/symposia": symposium}
    )
    assert followed_links(
        steps,
        "GET /v1/contacts/{contact_id}",
        "PATCH /v1/contacts/{contact_id}",
        "POST /v1/contacts/{contact_id}/suppression",
        "GET /v1/symposia/{symposium_id}",
        "PATCH /v1/symposia/{symposium_id}",
        "POST /v1/symposia/{symposium_id}/cancellation",
        "GET /v1/symposia/{symposium_id}/audience",
    ), steps


def test_notify_sequences(target: Target) -> None:
    """Campaigns drafted for a symposium with an invitee, then read, approved or withdrawn."""

    async def a_symposium_with_an_invitee() -> str:
        registry = target.wired.clients["registry"]
        made = await registry.post("/v1/symposia", json=future_symposium(), headers=target.headers)
        assert made.status_code == 201, made.text
        invitee = {
            "name": "秩父 花子",
            "email": "hanako.stateful@city.example.jp",
            "stakeholder_category": "local_government",
        }
        contact = await registry.post("/v1/contacts", json=invitee, headers=target.headers)
        assert contact.status_code == 201, contact.text
        return str(made.json()["id"])

    symposium_id = target.loop.run_until_complete(a_symposium_with_an_invitee())
    steps = run_scenarios("notify", target, {DRAFT: lambda: {"symposium_id": symposium_id}})
    assert followed_links(
        steps,
        "GET /v1/campaigns/{campaign_id}",
        "POST /v1/campaigns/{campaign_id}/approval",
        "POST /v1/campaigns/{campaign_id}/cancellation",
    ), steps
