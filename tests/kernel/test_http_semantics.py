"""RFC 9110/9111 answers the kernel gives every route (issue 18): Allow, 405 for a fixed path,
415, 406, 304 and private caching (libs/common/http_semantics.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import APIRouter, Response
from pydantic import BaseModel

from libs.common.app import create_service_app
from libs.common.http_semantics import acceptable, admits_anything
from libs.common.settings import Settings
from services.registry.models import outbox

router = APIRouter()
THING = f"/v1/things/{uuid.uuid4()}"


class Thing(BaseModel):
    name: str


@router.get("/v1/things/stats")
async def thing_stats() -> dict[str, int]:
    return {"count": 1}


@router.get("/v1/things/{thing_id}")
async def get_thing(thing_id: uuid.UUID, response: Response) -> Thing:
    response.headers["ETag"] = '"thing-1"'
    return Thing(name="a")


@router.patch("/v1/things/{thing_id}")
async def update_thing(thing_id: uuid.UUID, body: Thing) -> Thing:
    return body


@router.post("/v1/things", status_code=201)
async def create_thing(body: Thing) -> Thing:
    return body


@pytest.fixture
async def client(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings=make_settings("registry"),
        title="t",
        description="t",
        version="0",
        routers=[router],
        outbox=outbox,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete(THING)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, PATCH"
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_fixed_path_under_an_id_route_is_405_not_an_invalid_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.patch("/v1/things/stats", json={"name": "a"})
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET, HEAD"


async def test_an_invalid_id_is_still_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.patch("/v1/things/not-a-uuid/more", json={"name": "a"})
    assert response.status_code == 404
    response = await client.patch("/v1/things/not-a-uuid", json={"name": "a"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.thing_id"


async def test_a_body_of_a_type_the_operation_does_not_take_is_415(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/things",
        content=b"name=a",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["accept-post"] == "application/json"
    patch = await client.patch(THING, content=b"a", headers={"Content-Type": "text/plain"})
    assert patch.status_code == 415
    assert patch.headers["accept-patch"] == "application/json"


async def test_a_malformed_json_body_is_still_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/things", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


async def test_an_accept_nothing_satisfies_is_406(client: httpx.AsyncClient) -> None:
    refused = await client.get("/v1/things/stats", headers={"Accept": "text/csv"})
    assert refused.status_code == 406
    assert refused.json()["offered"] == ["application/json"]
    for accept in ("application/json", "application/*", "*/*", "text/html, */*;q=0.1"):
        assert (await client.get("/v1/things/stats", headers={"Accept": accept})).status_code == 200


def test_accept_ranges_and_q_zero() -> None:
    assert acceptable("text/csv;q=0, application/json", {"application/json"})
    assert not acceptable("application/json;q=0", {"application/json"})
    assert not acceptable("application/xml", {"application/json", "text/csv"})
    assert acceptable("text/*", {"text/csv"})


async def test_a_refused_any_range_is_still_406(client: httpx.AsyncClient) -> None:
    # `*/*` spares the lookup of the operation's media types only when its q is above 0.
    refused = await client.get("/v1/things/stats", headers={"Accept": "text/csv, */*;q=0"})
    assert refused.status_code == 406


def test_any_media_type_is_admitted_only_by_a_range_above_q_zero() -> None:
    assert admits_anything("*/*")
    assert admits_anything("text/html, application/xhtml+xml, */*;q=0.8")
    assert not admits_anything("*/*;q=0")
    assert not admits_anything("application/*, text/csv")


async def test_if_none_match_naming_the_current_etag_is_304_without_a_body(
    client: httpx.AsyncClient,
) -> None:
    for tag in ('"thing-1"', 'W/"thing-1"', '"other", "thing-1"', "*"):
        response = await client.get(THING, headers={"If-None-Match": tag})
        assert response.status_code == 304, tag
        assert response.content == b""
        assert response.headers["etag"] == '"thing-1"'
        assert "content-type" not in response.headers
    changed = await client.get(THING, headers={"If-None-Match": '"thing-0"'})
    assert changed.status_code == 200 and changed.json() == {"name": "a"}


async def test_an_answer_to_a_token_is_private_and_varies_by_authorization(
    client: httpx.AsyncClient,
) -> None:
    private = await client.get(THING, headers={"Authorization": "Bearer x"})
    assert private.headers["cache-control"] == "private, no-store"
    assert "Authorization" in private.headers["vary"]
    anonymous = await client.get(THING)
    assert "cache-control" not in anonymous.headers
