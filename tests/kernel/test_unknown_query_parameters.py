"""Every GET route of the three services × an unknown query parameter: a 422 naming
``query.<name>`` with rule ``unknown_parameter``, never an answer that silently ignored it
(libs/common/query_params.py).

The routes are read from each app's own OpenAPI document, so a route added later is in the
matrix without anyone listing it. The same request without the stranger is the control: it is
never refused for an unknown parameter, so the matrix cannot pass by refusing everything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
from fastapi import FastAPI

from libs.common.auth import Role
from libs.common.errors import PROBLEM_JSON

STRANGER = "programe"  # a misspelt filter: the case the rule is for
# Path parameters by name, so a route reaches its endpoint (or its own 404) rather than a 405.
PATH_VALUES = {
    "code": "112071",
    "fiscal_year": "2021",
    "programme_id": "mirai-gijutsu",
    "scheme_id": "suishin-senku",
    "subject": "reviewer-x",
    "token": "not-a-token",
}


def _get_paths(app: FastAPI) -> list[str]:
    """Every GET route but the pages for a person (HTML), which ignore strangers on purpose."""
    return sorted(
        path
        for path, ops in app.openapi()["paths"].items()
        if "get" in ops
        and "text/html" not in ops["get"]["responses"].get("200", {}).get("content", {})
    )


def _concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return PATH_VALUES.get(name, str(uuid.UUID(int=0)) if name.endswith("id") else "x")

    return re.sub(r"\{([^}]+)\}", value, path)


def _unknown_parameter_errors(response: httpx.Response) -> list[str]:
    if response.status_code != 422 or response.headers.get("content-type") != PROBLEM_JSON:
        return []
    return [
        e["field"] for e in response.json().get("errors", []) if e["rule"] == "unknown_parameter"
    ]


async def _matrix(app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    paths = _get_paths(app)
    assert len(paths) > 5
    for path in paths:
        url = _concrete(path)
        refused = await client.get(url, params={STRANGER: "☆"}, headers=headers)
        assert refused.status_code == 422, (path, refused.status_code, refused.text[:300])
        assert _unknown_parameter_errors(refused) == [f"query.{STRANGER}"], (path, refused.text)
        message = next(e["message"] for e in refused.json()["errors"])
        assert message.startswith("このクエリパラメータは受け付けていません"), message
        control = await client.get(url, headers=headers)
        assert _unknown_parameter_errors(control) == [], (path, control.text[:300])
    return len(paths)


async def test_every_registry_get_route_refuses_an_unknown_parameter(
    registry_app: FastAPI, registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    assert await _matrix(registry_app, registry, auth(Role.operator)) >= 20


async def test_every_review_get_route_refuses_an_unknown_parameter(
    review_app: FastAPI, review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    assert await _matrix(review_app, review, auth(Role.operator)) >= 15


async def test_every_notify_get_route_refuses_an_unknown_parameter(
    notify_app: FastAPI, notify: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    assert await _matrix(notify_app, notify, auth(Role.operator)) >= 5


async def test_a_page_opened_from_a_letter_ignores_a_gateways_parameters(
    notify_app: FastAPI, notify: httpx.AsyncClient
) -> None:
    """A mail gateway may append ``utm_source`` to the RSVP link: the invitee still reaches the
    page (here: its answer for a token it does not know), never a JSON 422."""
    pages = [
        path
        for path, ops in notify_app.openapi()["paths"].items()
        if "text/html" in ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
    ]
    # The problem type pages are pages for a person too (every service's, JSON on request).
    assert set(pages) == {
        "/v1/rsvp/{token}",
        "/v1/unsubscribe/{token}",
        "/problems",
        "/problems/{slug}",
    }
    for path in pages:
        plain = await notify.get(_concrete(path))
        tracked = await notify.get(_concrete(path), params={"utm_source": "gateway"})
        assert tracked.status_code == plain.status_code != 422
        assert tracked.headers["content-type"] == plain.headers["content-type"]


async def test_unknown_and_invalid_parameters_are_reported_at_once_before_authentication(
    registry: httpx.AsyncClient,
) -> None:
    """No token at all: the parameters' names are public, so the refusal comes first and lists
    every broken rule of the query — the stranger and the declared parameter's own."""
    response = await registry.get("/v1/projects", params={"limit": 999, "fiscalyear": "R3"})
    assert response.status_code == 422
    errors = {(e["field"], e["rule"]): e["message"] for e in response.json()["errors"]}
    assert set(errors) == {
        ("query.limit", "less_than_equal"),
        ("query.fiscalyear", "unknown_parameter"),
    }
    assert errors[("query.limit", "less_than_equal")] == (
        "200 以下の値にしてください（Input should be less than or equal to 200）"
    )
    assert "fiscal_year" in errors[("query.fiscalyear", "unknown_parameter")]  # what it takes


async def test_declared_parameters_and_a_repeated_one_pass(
    registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = await registry.get(
        "/v1/projects?limit=1&limit=2&fiscal_year=R1&as_of=2021-08-24", headers=auth()
    )
    assert response.status_code == 200, response.text


async def test_a_project_read_refuses_too(
    registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    """``GET /v1/projects/{id}``, the most requested read, refuses a stranger as every route
    does."""
    url = f"/v1/projects/{uuid.uuid4()}"
    assert (await registry.get(url, headers=auth())).status_code == 404
    refused = await registry.get(url, params={"asof": "2021-08-24"}, headers=auth())
    assert _unknown_parameter_errors(refused) == ["query.asof"]
