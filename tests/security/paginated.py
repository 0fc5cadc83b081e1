"""The paginated lists of the three services, and what a refused cursor looks like.

Shared by tests/security/test_cursor_tampering.py and tests/fuzz/test_cursor_fuzz.py. The lists are
read from the published OpenAPI documents (every GET with a ``cursor`` query parameter); the
tampering test checks the running apps declare the same ones, so a list added later is covered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from services.catalogue import SERVICE_NAMES

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"


def paginated_operations(documents: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(service, path) of every GET that takes a ``cursor`` query parameter."""
    found = []
    for service, document in documents.items():
        for path, operations in document["paths"].items():
            parameters = operations.get("get", {}).get("parameters", [])
            if any(p["name"] == "cursor" and p["in"] == "query" for p in parameters):
                found.append((service, path))
    return sorted(found)


PUBLISHED: dict[str, dict[str, Any]] = {
    s: json.loads((OPENAPI / f"{s}.json").read_text("utf-8")) for s in SERVICE_NAMES
}
OPERATIONS = paginated_operations(PUBLISHED)


def assert_refused_cursor(response: httpx.Response) -> None:
    """422 problem+json naming ``query.cursor`` and its rule, with the request id."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("x-request-id")
    problem = response.json()
    assert {"field": "query.cursor", "rule": "cursor"} in [
        {"field": e["field"], "rule": e["rule"]} for e in problem["errors"]
    ]
