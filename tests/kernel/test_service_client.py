"""The service client against a real HTTP server: token, request id, retries only when safe."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from libs.common.auth import decode_token
from libs.common.errors import ServiceUnavailable
from libs.common.http import ServiceClient
from libs.common.logging import bind_request_id
from libs.common.settings import Settings

calls: list[dict[str, Any]] = []
peer = FastAPI()


@peer.api_route("/flaky/{fail_times}", methods=["GET", "POST"])
async def flaky(fail_times: int, request: Request) -> Response:
    calls.append({"method": request.method, "headers": dict(request.headers)})
    if len(calls) <= fail_times:
        return Response(status_code=503)
    return Response(content=b'{"ok": true}', media_type="application/json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def peer_url() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(peer, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    calls.clear()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
def client_for(make_settings: Callable[..., Settings]) -> Callable[[str], ServiceClient]:
    def build(url: str) -> ServiceClient:
        settings = make_settings("review", registry_url=url, http_retries=2)
        return ServiceClient(settings, "registry", backoff_seconds=0.01)

    return build


async def test_get_retries_503_then_succeeds_with_token_and_request_id(
    peer_url: str,
    client_for: Callable[[str], ServiceClient],
    make_settings: Callable[..., Settings],
) -> None:
    client = client_for(peer_url)
    bind_request_id("req-42")
    response = await client.get("/flaky/2")
    await client.aclose()
    assert response.json() == {"ok": True}
    assert len(calls) == 3
    headers = calls[-1]["headers"]
    assert headers["x-request-id"] == "req-42"
    principal = decode_token(make_settings("registry"), headers["authorization"].split()[1])
    assert (principal.role, principal.subject) == ("service", "review")


async def test_plain_post_is_not_retried(
    peer_url: str, client_for: Callable[[str], ServiceClient]
) -> None:
    client = client_for(peer_url)
    response = await client.post("/flaky/1")
    await client.aclose()
    assert response.status_code == 503
    assert len(calls) == 1


async def test_idempotent_post_is_retried(
    peer_url: str, client_for: Callable[[str], ServiceClient]
) -> None:
    client = client_for(peer_url)
    response = await client.post("/flaky/1", idempotent=True)
    await client.aclose()
    assert response.status_code == 200
    assert len(calls) == 2


async def test_unreachable_peer_is_service_unavailable_after_bounded_retries(
    client_for: Callable[[str], ServiceClient],
) -> None:
    client = client_for(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServiceUnavailable, match="did not answer"):
        await client.get("/anything")
    await client.aclose()
