"""A request head written to a real server over a socket, in its pieces, and the answers read
back: a hang or a reset fails the test instead of blocking it."""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

import pytest

from tests.fuzz.heads import HEALTHZ, Head
from tests.security.served import Served

TIMEOUT = 10  # seconds for any answer: a head the server neither answers nor refuses is a hang
PAUSE = 0.003  # between the pieces of a head, so the server reads them apart


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    closed: bool  # the server closed the connection after answering

    def header(self, name: str) -> str:
        (value,) = self.headers[name]
        return value


class Reader:
    """Answers read one after the other from a connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""

    def answer(self, what: str) -> Answer:
        try:
            while b"\r\n\r\n" not in self.data and (piece := self.sock.recv(65536)):
                self.data += piece
            head, sep, rest = self.data.partition(b"\r\n\r\n")
            assert sep, f"{what}: no answer before the connection ended: {self.data[:300]!r}"
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers: dict[str, list[str]] = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
            (length,) = map(int, headers["content-length"])
            while len(rest) < length and (piece := self.sock.recv(65536)):
                rest += piece
            assert len(rest) >= length, f"{what}: the body ended early"
            body, self.data = rest[:length], rest[length:]
            closed = "close" in headers.get("connection", []) and not self.data and self.ended()
        except TimeoutError:
            pytest.fail(f"{what}: no answer within {TIMEOUT} s (so far {self.data[:300]!r})")
        except ConnectionResetError:
            pytest.fail(f"{what}: connection reset before an answer (so far {self.data[:300]!r})")
        return Answer(int(status_line.split(" ")[1]), headers, body, closed)

    def ended(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def send(served: Served, head: Head) -> Answer:
    """Write the pieces, stopping early if the server has answered (or gone); its answer to the
    fuzzed head."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i, piece in enumerate(head.pieces()):
            if i:
                time.sleep(PAUSE)
                if not head.before and select.select([sock], [], [], 0)[0]:
                    break
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            except TimeoutError:
                pytest.fail(f"the server stopped reading after {i} pieces, without an answer")
        reader = Reader(sock)
        answer = reader.answer("the fuzzed head")
        if head.before and not (head.over and answer.status == 431):
            # A 431 may overtake the answer to the request before it, as uvicorn's own 400 does.
            assert answer.status == 200, f"the request pipelined before it: {answer}"
            answer = reader.answer("the fuzzed head after a pipelined one")
        return answer


def assert_still_serving(served: Served) -> None:
    request = Head(HEALTHZ, b"/healthz", ((b"Host", b"registry"), (b"Connection", b"close")))
    with socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT) as sock:
        sock.sendall(request.wire())
        answer = Reader(sock).answer("/healthz after it")
    assert answer.status == 200, answer
