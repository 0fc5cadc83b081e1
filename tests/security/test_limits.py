"""Limits every API keeps: body size (uploads have their own), string lengths, numbers and dates
in range, page sizes, token subjects, and a safe request id.

What hostile *text* does once stored (CR/LF, SQL and HTML metacharacters, Unicode forms) is in
test_hostile_text.py.
"""

from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import ALGORITHM, MAX_SUBJECT_LENGTH, Role, mint_token
from libs.common.settings import Settings
from services.catalogue import SERVICE_NAMES
from tests.fixtures.clients import bearer
from tests.security.wiring import Wired, fill

MIB = 1024 * 1024
OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
# One operator route per service whose body is JSON.
BODY_ROUTES = {
    "registry": "/v1/contacts",
    "review": "/v1/reviewers",
    "notify": "/v1/previews",
}


def operator(token: Callable[..., str]) -> dict[str, str]:
    return bearer(token(Role.operator))


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413 and str(MIB) in problem["detail"]
    assert response.headers["x-request-id"]  # answered inside the kernel's middleware


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_a_body_over_one_mebibyte_is_413_problem_json(
    service: str, wired: Wired, token: Callable[..., str]
) -> None:
    client = wired.clients[service]
    body = {"name": "あ" * (MIB // 3 + 1), "padding": "x"}
    response = await client.post(BODY_ROUTES[service], json=body, headers=operator(token))
    assert_too_large(response)


async def test_a_chunked_body_is_counted_as_it_arrives(
    wired: Wired, token: Callable[..., str]
) -> None:
    """No Content-Length to refuse up front: the body is refused once it passes the limit."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(32):
            yield b"x" * 65536
        yield b'"}'

    headers = {**operator(token), "Content-Type": "application/json"}
    response = await wired.clients["registry"].post(
        "/v1/contacts", content=chunks(), headers=headers
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response)


async def test_a_body_under_the_limit_reaches_validation(
    wired: Wired, token: Callable[..., str]
) -> None:
    body = {"name": "x" * (MIB - 1024)}
    response = await wired.clients["registry"].post(
        "/v1/contacts", json=body, headers=operator(token)
    )
    assert response.status_code == 422
    assert "body.name" in {e["field"] for e in response.json()["errors"]}


async def test_the_limit_is_the_max_body_bytes_setting(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    token: Callable[..., str],
) -> None:
    from services.registry.app import create_app

    app = create_app(make_settings("registry", max_body_bytes=2048))
    app.state.sessionmaker = sessionmaker
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        small = await client.post(
            "/v1/contacts", json={"name": "x" * 1000}, headers=operator(token)
        )
        large = await client.post(
            "/v1/contacts", json={"name": "x" * 3000}, headers=operator(token)
        )
    assert small.status_code == 422
    assert large.status_code == 413 and "2048" in large.json()["detail"]


async def test_a_body_that_is_not_utf8_json_is_422_naming_the_body(
    wired: Wired, token: Callable[..., str]
) -> None:
    headers = {**operator(token), "Content-Type": "application/json"}
    response = await wired.clients["registry"].post(
        "/v1/contacts", content=b'{"name": "\xff\xfe"}', headers=headers
    )
    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body", "body_unparsable")
    ]


async def test_an_upload_may_reach_its_own_cap_and_no_further(
    wired: Wired, token: Callable[..., str]
) -> None:
    """The project import takes files up to 5 MB (its own 422 names the cap); a body far past
    that is refused by the kernel before it is read."""
    from services.registry.app import UPLOAD_LIMITS

    headers = {**operator(token), "Content-Type": "text/csv"}
    client = wired.clients["registry"]
    over_cap = await client.post(
        "/v1/projects/imports", content=b"x" * (5 * MIB + 1), headers=headers
    )
    assert over_cap.status_code == 422, over_cap.text
    assert [e["rule"] for e in over_cap.json()["errors"]] == ["too_large"]
    limit = UPLOAD_LIMITS["/v1/projects/imports"]
    too_large = await client.post(
        "/v1/projects/imports", content=b"x" * (limit + 1), headers=headers
    )
    assert too_large.status_code == 413 and str(limit) in too_large.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/projects/imports", "/v1/local-governments/imports"])
async def test_a_csv_the_csv_module_cannot_read_is_422_naming_the_line(
    wired: Wired, token: Callable[..., str], path: str
) -> None:
    """A field over the csv module's 128 KiB limit (and, for projects, a bare CR inside a field)
    used to be a 500."""
    headers = {**operator(token), "Content-Type": "text/csv"}
    for content in (b'a,"' + b"x" * 200_000 + b'"\n', b'\x146\r\xb0"\xd6\x12'):
        response = await wired.clients["registry"].post(path, content=content, headers=headers)
        assert response.status_code == 422, response.text


TOO_LONG = [
    ("registry", "POST", "/v1/contacts", {"name": "あ" * 101}, "body.name"),
    ("registry", "PATCH", "/v1/contacts/{contact_id}", {"organisation": "あ" * 201}, None),
    ("registry", "POST", "/v1/local-governments", {"code": "112071", "name": "あ" * 101}, None),
    ("registry", "POST", "/v1/projects/{project_id}/council", {"name": "あ" * 201}, None),
    ("registry", "POST", "/v1/symposia", {"theme": "あ" * 201}, None),
    ("registry", "POST", "/v1/projects", {"title": "あ" * 301}, None),
    ("review", "POST", "/v1/reviewers", {"name": "あ" * 101}, None),
    ("notify", "POST", "/v1/previews", {"recipient": {"name": "あ" * 201}}, None),
]


@pytest.mark.parametrize(("service", "method", "path", "body", "field"), TOO_LONG)
async def test_a_name_over_its_length_is_422_naming_the_field(
    wired: Wired,
    token: Callable[..., str],
    service: str,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str | None,
) -> None:
    field = field or "body." + ".".join(_path_to_long_string(body))
    response = await wired.clients[service].request(
        method, fill(path), json=body, headers=operator(token)
    )
    assert response.status_code == 422, response.text
    too_long = {e["field"] for e in response.json()["errors"] if e["rule"] == "string_too_long"}
    assert too_long == {field}


def _path_to_long_string(body: dict[str, Any]) -> list[str]:
    for key, value in body.items():
        if isinstance(value, dict):
            return [key, *_path_to_long_string(value)]
        if isinstance(value, str) and len(value) > 100:
            return [key]
    raise AssertionError(f"no long string in {body}")


def page_limits() -> Iterator[tuple[str, str, int]]:
    """(service, path, maximum) of every operation with a ``limit`` query parameter."""
    from libs.common.settings import load_settings

    for service in SERVICE_NAMES:
        # Collected before any database exists; the app connects only when a request needs it.
        settings = load_settings(service, environment="test", database_url="postgresql://-@/-")
        app = importlib.import_module(f"services.{service}.app").create_app(settings)
        for path, operations in app.openapi()["paths"].items():
            for parameter in operations.get("get", {}).get("parameters", []):
                if parameter["name"] == "limit" and parameter["in"] == "query":
                    maximum = parameter["schema"].get("maximum")
                    assert maximum, f"{service} GET {path}: the page size has no maximum"
                    yield service, path, int(maximum)


@pytest.mark.parametrize(("service", "path", "maximum"), list(page_limits()))
async def test_a_page_size_over_the_cap_is_422(
    wired: Wired, token: Callable[..., str], service: str, path: str, maximum: int
) -> None:
    headers = operator(token)
    client = wired.clients[service]
    over = await client.get(fill(path), params={"limit": maximum + 1}, headers=headers)
    assert over.status_code == 422, over.text
    assert [e["field"] for e in over.json()["errors"]] == ["query.limit"]
    at_cap = await client.get(fill(path), params={"limit": maximum}, headers=headers)
    assert at_cap.status_code != 422, at_cap.text


def test_every_page_size_is_capped_at_most_at_a_thousand() -> None:
    limits = list(page_limits())
    assert len(limits) >= 10  # every list the three services offer
    assert max(maximum for _, _, maximum in limits) <= 1000


async def test_a_token_subject_longer_than_the_audit_trail_holds_is_401(
    wired: Wired, make_settings: Callable[..., Settings]
) -> None:
    """The subject becomes the audit trail's actor: one too long would make every change a 500."""
    settings = make_settings("registry")
    long_subject = "s" * (MAX_SUBJECT_LENGTH + 1)
    claims = {"iss": settings.jwt_issuer, "sub": long_subject, "role": "operator"}
    now = int(time.time())
    forged = jwt.encode({**claims, "iat": now, "exp": now + 60}, settings.jwt_secret, ALGORITHM)
    response = await wired.clients["registry"].post(
        "/v1/contacts", json={}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert str(MAX_SUBJECT_LENGTH) in response.json()["detail"]
    with pytest.raises(ValueError, match="at most"):
        mint_token(settings, role=Role.operator, subject=long_subject)


def body_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Every component schema a request body refers to, directly or through another."""
    schemas, found = document["components"]["schemas"], {}
    pending = [op.get("requestBody") for ops in document["paths"].values() for op in ops.values()]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            name = node.get("$ref", "").rpartition("/")[2]
            if name and name not in found:
                found[name] = schemas[name]
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def unbounded_integers(document: dict[str, Any]) -> Iterator[str]:
    """Integer fields of request bodies without a maximum (fiscal years excepted: the fiscal-year
    parser refuses absurd years itself)."""
    for name, schema in body_schemas(document).items():
        for prop, spec in schema.get("properties", {}).items():
            integers = [o for o in [spec, *spec.get("anyOf", [])] if o.get("type") == "integer"]
            if "fiscal_year" not in prop and any("maximum" not in o for o in integers):
                yield f"{name}.{prop}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_integer_a_body_takes_is_bounded(service: str) -> None:
    """Without a maximum, a huge number reaches an int4/int8 column and the database's refusal
    is a 500."""
    document = json.loads((OPENAPI / f"{service}.json").read_text())
    assert list(unbounded_integers(document)) == []


async def test_a_huge_number_is_422_not_a_database_error(
    wired: Wired, token: Callable[..., str]
) -> None:
    body = {
        **WHEN,
        "starts_at": "2022-02-17T13:30:00+09:00",
        "ends_at": "2022-02-17T15:00:00+09:00",
    }
    response = await wired.clients["registry"].post(
        "/v1/symposia", json={**body, "capacity": 10**20}, headers=operator(token)
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.capacity"]


EDGES = ["0001-01-01T00:15:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T12:00:00+09:00"]
WHEN = {"fiscal_year": "R3", "number": 5, "theme": "t", "audience": ["local_government"]}
CYCLE = {"fiscal_year": "R3"}


@pytest.mark.parametrize("moment", EDGES)
@pytest.mark.parametrize(
    ("service", "path", "body", "fields"),
    [
        ("registry", "/v1/symposia", WHEN, ("starts_at", "ends_at")),
        (
            "review",
            "/v1/continuation-cycles",
            CYCLE,
            ("opens_at", "deadline", "review_due", "decision_due"),
        ),
    ],
)
async def test_a_date_at_the_edge_of_the_calendar_is_422(
    wired: Wired,
    token: Callable[..., str],
    moment: str,
    service: str,
    path: str,
    body: dict[str, Any],
    fields: tuple[str, ...],
) -> None:
    """Converted to Tokyo time or moved to the next open day, these leave the calendar Python
    knows: that is the input's fault, and a 422 says so."""
    response = await wired.clients[service].post(
        path, json={**body, **dict.fromkeys(fields, moment)}, headers=operator(token)
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        ("abc-123", True),
        ("4bf92f3577b34da6a3ce929d0e0e4736", True),
        ("evil value<script>", False),
        ("ＩＤ-全角", False),
        ("x" * 129, False),
    ],
)
async def test_only_a_plain_request_id_is_echoed_and_carried(
    wired: Wired, given: str, echoed: bool
) -> None:
    """The id goes into response headers, outgoing calls, jobs and logs: anything but a plain token
    is replaced by a fresh one."""
    response = await wired.clients["registry"].get(
        "/healthz", headers=[(b"X-Request-ID", given.encode())]
    )
    answered = response.headers["x-request-id"]
    if echoed:
        assert answered == given
    else:
        assert answered != given and re.fullmatch(r"[0-9a-f]{32}", answered)
