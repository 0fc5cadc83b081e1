"""Where a problem's ``type`` leads, on every service: ``GET /problems`` and ``/problems/{slug}``
as a page and as JSON, and real problems whose absolute ``type`` opens their page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from libs.common.errors import PROBLEM_JSON
from libs.common.header_limits import http_protocol, refusal_response
from services.catalogue import DEFAULT_PORTS, ServiceName
from services.problem_catalogue import CATALOGUE

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _origin(service: ServiceName) -> str:
    """No PUBLIC_BASE_URL in the tests: a service's problems are on make run's address."""
    return f"http://127.0.0.1:{DEFAULT_PORTS[service]}"


async def _opens_its_page(client: httpx.AsyncClient, problem: dict[str, object]) -> None:
    """The ``type`` of ``problem`` is absolute, and its page answers: as a page and as JSON."""
    uri = urlsplit(str(problem["type"]))
    assert uri.scheme == "http" and uri.netloc and uri.path.startswith("/problems/"), problem
    page = await client.get(uri.path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    described = (await client.get(uri.path, headers=JSON)).json()
    assert (described["type"], described["status"]) == (problem["type"], problem["status"])


@pytest.fixture
def clients(
    registry: httpx.AsyncClient, review: httpx.AsyncClient, notify: httpx.AsyncClient
) -> dict[ServiceName, httpx.AsyncClient]:
    return {"registry": registry, "review": review, "notify": notify}


@pytest.mark.parametrize("service", ["registry", "review", "notify"])
async def test_every_service_serves_the_index_and_each_type_as_a_page_and_as_json(
    clients: dict[ServiceName, httpx.AsyncClient], service: ServiceName
) -> None:
    client = clients[service]
    page = await client.get("/problems", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["vary"] == "Accept" and "<script" not in page.text
    assert all(f'href="/problems/{p.slug}"' in page.text for p in CATALOGUE.types)

    index = await client.get("/problems", headers=JSON)
    assert index.headers["content-type"] == "application/json"
    listed = index.json()["problem_types"]
    assert [p["slug"] for p in listed] == [p.slug for p in CATALOGUE.types]
    assert all(p["type"] == f"{_origin(service)}/problems/{p['slug']}" for p in listed)

    validation = await client.get("/problems/validation")
    assert validation.status_code == 200 and "check_digit" in validation.text
    assert "入力内容に誤りがあります" in validation.text and 'lang="en"' in validation.text
    described = (await client.get("/problems/validation", headers=JSON)).json()
    codes = {r["code"] for r in described["rule_codes"]}
    assert {"check_digit", "unknown_parameter", "cursor", "email"} <= codes
    assert described["framework_rule_codes"]["reference"].startswith("https://")
    violation = (await client.get("/problems/rule-violation", headers=JSON)).json()
    assert {"yearly_cap", "programme_quota"} <= {r["code"] for r in violation["rule_codes"]}
    assert "quota" in {m["name"] for m in violation["extension_members"]}


async def test_an_unknown_slug_is_a_404_problem_whose_type_opens_its_page(
    notify: httpx.AsyncClient,
) -> None:
    answer = await notify.get("/problems/no-such-problem", headers=BROWSER)
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM_JSON
    problem = answer.json()
    assert problem["type"] == f"{_origin('notify')}/problems/not-found"
    await _opens_its_page(notify, problem)


@pytest.mark.parametrize(
    ("service", "path"),
    [("registry", "/v1/projects"), ("review", "/v1/reviewers"), ("notify", "/v1/campaigns")],
)
async def test_a_real_422_carries_an_absolute_type_whose_page_answers(
    clients: dict[ServiceName, httpx.AsyncClient], service: ServiceName, path: str
) -> None:
    client = clients[service]
    refused = await client.get(path, params={"programe": "☆"})  # refused before authentication
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == f"{_origin(service)}/problems/validation"
    assert [e["rule"] for e in problem["errors"]] == ["unknown_parameter"]
    await _opens_its_page(client, problem)


async def test_a_real_412_and_428_carry_absolute_types_whose_pages_answer(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    contact = {"name": "秩父 花子", "email": "hanako@example.jp", "stakeholder_category": "other"}
    created = await registry.post("/v1/contacts", json=contact, headers=operator)
    assert created.status_code == 201, created.text
    url = f"/v1/contacts/{created.json()['id']}"
    stale = await registry.patch(url, json={"name": "新"}, headers={**operator, "If-Match": '"x"'})
    assert stale.status_code == 412
    problem = stale.json()
    assert problem["type"] == f"{_origin('registry')}/problems/precondition-failed"
    assert problem["current_etag"] == created.headers["ETag"]
    await _opens_its_page(registry, problem)
    described = (await registry.get("/problems/precondition-failed", headers=JSON)).json()
    assert "current_etag" in {m["name"] for m in described["extension_members"]}

    missing = (await registry.patch(url, json={"name": "新"}, headers=operator)).json()
    assert missing["type"] == f"{_origin('registry')}/problems/precondition-required"
    await _opens_its_page(registry, missing)


async def test_a_body_over_the_limit_is_a_413_with_its_type_declared_or_streamed(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    too_much = b"x" * (1024 * 1024 + 1)  # MAX_BODY_BYTES' default is 1 MiB

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(too_much), 65536):
            yield too_much[start : start + 65536]

    declared = await registry.post("/v1/contacts", content=too_much, headers=operator)
    chunked = await registry.post("/v1/contacts", content=streamed(), headers=operator)
    for refused in (declared, chunked):
        assert refused.status_code == 413, refused.text
        problem = refused.json()
        assert problem["type"] == f"{_origin('registry')}/problems/request-body-too-large"
        await _opens_its_page(registry, problem)


def test_the_431_answered_below_the_app_names_its_page() -> None:
    protocol = http_protocol(16_384, 100, "https://registry.jisso.example")
    answer = refusal_response("more than 100 header fields", protocol.problem_base)
    problem = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert problem["type"] == "https://registry.jisso.example/problems/request-head-too-large"
    assert problem["status"] == 431
