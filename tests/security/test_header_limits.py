"""Request heads have a size and a field-count limit, held by the HTTP protocol of ``jisso serve``
itself: an 8 MiB header is refused with 431 problem+json long before it is read whole.

Against a real ``jisso serve`` process (the limit lives below the app, where uvicorn reads the
bytes), over raw sockets so the test can see what the server answers while it is still sending.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from libs.common.settings import Settings
from tests.security.served import Served, jisso_serve

pytestmark = pytest.mark.e2e
MIB = 1024 * 1024
LIMIT = Settings().max_header_bytes  # 16 KiB by default
FIELDS = Settings().max_header_fields  # 100 by default


@pytest.fixture(scope="module")
def registry(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with jisso_serve(
        "registry", database_url, redis_url, tmp_path_factory.mktemp("serve")
    ) as served:
        yield served


def exchange(served: Served, head: bytes, tail: bytes = b"", chunk: int = 65536) -> bytes:
    """Send ``head`` then ``tail`` (the rest of the head) in chunks, stop sending as soon as the
    server answers, and return everything it sent before closing."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        data = head + tail
        answer = b""
        for start in range(0, len(data), chunk):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(data[start : start + chunk])
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            while piece := sock.recv(65536):
                answer += piece
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def request_with(*fields: bytes) -> bytes:
    head = b"GET /healthz HTTP/1.1\r\nHost: registry\r\n"
    return head + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


def assert_431(answer: bytes) -> dict[str, object]:
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large", answer[:300]
    head, _, body = rest.partition(b"\r\n\r\n")
    headers = dict(
        line.decode().lower().split(": ", 1) for line in head.split(b"\r\n") if line.strip()
    )
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert headers["x-request-id"]
    problem: dict[str, object] = json.loads(body)
    assert problem["status"] == 431 and problem["title"] == "Request Header Fields Too Large"
    return problem


def rss(served: Served) -> int:
    (pid,) = [
        c.pid
        for c in psutil.Process().children(recursive=True)
        if any(str(served.port) in part for part in c.cmdline())
    ]
    return int(psutil.Process(pid).memory_info().rss)


def test_an_8_mib_header_is_refused_before_it_is_read_whole(registry: Served) -> None:
    before = rss(registry)
    answer = exchange(
        registry, b"GET /healthz HTTP/1.1\r\nHost: registry\r\nX-Big: ", b"a" * 8 * MIB
    )
    problem = assert_431(answer)
    assert "header" in str(problem["detail"]).lower() or "ヘッダー" in str(problem["detail"])
    # Refused after at most the limit plus one read, not after 8 MiB held in memory.
    assert rss(registry) - before < 4 * MIB


def test_a_head_just_over_the_limit_in_one_read_is_refused(registry: Served) -> None:
    answer = exchange(registry, request_with(b"X-Pad: " + b"a" * LIMIT))
    assert_431(answer)


def test_a_long_request_target_counts_too(registry: Served) -> None:
    target = b"/healthz?" + b"q=" + b"a" * (LIMIT + 10)
    answer = exchange(registry, b"GET " + target + b" HTTP/1.1\r\nHost: registry\r\n\r\n")
    assert_431(answer)


def test_more_fields_than_allowed_are_refused(registry: Served) -> None:
    fields = [f"X-F{i}: v".encode() for i in range(FIELDS + 1)]
    assert_431(exchange(registry, request_with(*fields)))


def test_heads_within_the_limits_are_served_and_keep_the_connection(registry: Served) -> None:
    """An 8 KiB token-sized header and 90 fields are fine, twice on one connection."""
    fields = [b"X-Pad: " + b"a" * 8192, *(f"X-F{i}: v".encode() for i in range(90))]
    request = request_with(*fields)
    with socket.create_connection(("127.0.0.1", registry.port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]


@pytest.mark.parametrize("body_bytes", [LIMIT + 1, 4 * LIMIT, 200_000])
def test_a_body_in_the_same_read_as_its_head_is_no_part_of_the_head(
    registry: Served, body_bytes: int
) -> None:
    """A small head and a large body arriving in one read: the body is not counted as head (it
    was, and every POST of 16–256 KiB sent in one write was a 431)."""
    body = json.dumps({"pad": "a" * (body_bytes - 11)}).encode()
    head = (
        b"POST /v1/projects HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer = exchange(registry, head + body, chunk=len(head) + len(body))
    # No token: the app answers 401, which shows the request reached it whole.
    assert answer.startswith(b"HTTP/1.1 401 Unauthorized"), answer[:200]


def test_a_malformed_request_is_still_uvicorns_400(registry: Served) -> None:
    answer = exchange(registry, b"NOT A REQUEST\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request"), answer[:200]


def test_the_limits_are_settings(database_url: str, redis_url: str, tmp_path: Path) -> None:
    with jisso_serve(
        "registry",
        database_url,
        redis_url,
        tmp_path,
        MAX_HEADER_BYTES="4096",
        MAX_HEADER_FIELDS="20",
    ) as served:
        assert_431(exchange(served, request_with(b"X-Pad: " + b"a" * 4096)))
        assert_431(exchange(served, request_with(*(f"X-F{i}: v".encode() for i in range(21)))))
        ok = exchange(served, request_with(b"X-Pad: " + b"a" * 3000, b"Connection: close"))
        assert ok.startswith(b"HTTP/1.1 200 OK"), ok[:200]
