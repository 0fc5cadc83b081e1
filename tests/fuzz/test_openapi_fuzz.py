"""Schemathesis against the three published OpenAPI documents, on the real apps in process.

Every operation gets valid and invalid requests (``FUZZ_EXAMPLES`` of each kind per operation: 5 in
``make test``, a fixed seed; ``make fuzz`` sets many more and a fresh seed). Each one runs as an
operator in a savepoint of the test's transaction and must:

- never answer 5xx;
- answer with a status, content type and body its operation documents;
- when refused (4xx), leave the service's tables exactly as they were.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from services.catalogue import SERVICE_NAMES
from tests.fuzz.conftest import Target
from tests.fuzz.transport import CHECKS, send
from tests.security.wiring import fingerprint

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
SEED = None if "FUZZ_EXAMPLES" in os.environ else 7
SETTINGS = settings(
    deadline=None,
    database=None,
    # One app and one transaction per operation; each example gets a savepoint of its own.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def load(service: str) -> schemathesis.BaseSchema:
    config: dict[str, Any] = {
        "generation": {"max-examples": EXAMPLES, "mode": "all"},
        # Coverage's boundary cases are many per operation: in `make fuzz` only.
        "phases": {"coverage": {"enabled": SEED is None}},
    }
    if SEED is not None:
        config["seed"] = SEED
    return schemathesis.openapi.from_path(
        OPENAPI / f"{service}.json", config=schemathesis.Config.from_dict(config)
    )


# Bounces also come as DSN documents: send the generated text as it is.
schemathesis.serializer.alias(
    ["multipart/report", "message/rfc822", "message/delivery-status"], "text/plain"
)
# Readiness answers 503 when a dependency is away (notify's SMTP server is, here): by design.
registry, review, notify = (load(s).exclude(path="/readyz") for s in SERVICE_NAMES)


async def exercise(case: schemathesis.Case, target: Target, service: str) -> None:
    savepoint = await target.connection.begin_nested()
    try:
        before = await fingerprint(target.connection, service)
        response = await send(case, target.wired.clients[service], target.headers)
        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            after = await fingerprint(target.connection, service)
            changed = sorted(t for t in after if after[t] != before.get(t))
            assert not changed, f"refused with {response.status_code}, yet {changed} changed"
    finally:
        await savepoint.rollback()


@registry.parametrize()
@SETTINGS
def test_registry(case: schemathesis.Case, target: Target) -> None:
    target.run(exercise(case, target, "registry"))


@review.parametrize()
@SETTINGS
def test_review(case: schemathesis.Case, target: Target) -> None:
    target.run(exercise(case, target, "review"))


@notify.parametrize()
@SETTINGS
def test_notify(case: schemathesis.Case, target: Target) -> None:
    target.run(exercise(case, target, "notify"))
