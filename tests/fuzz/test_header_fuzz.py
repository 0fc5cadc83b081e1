"""Request heads fuzzed against a real ``jisso serve``: never a hang, never a 5xx, 431 exactly when
a head is over ``MAX_HEADER_BYTES`` or ``MAX_HEADER_FIELDS``, the route's own answer otherwise.

The head limits live in the HTTP protocol (``libs/common/header_limits.py``), below the app, so the
in-process fuzzing never reaches them: here one registry process serves a whole run and hypothesis
writes raw HTTP/1.1 heads to it over sockets — 0 to 300 fields, values up to 64 KiB, names of odd
but legal token characters, repeated fields, request targets up to 64 KiB, junk ``Authorization``,
``X-Request-ID``, trace and forwarding headers, heads built to within a few bytes of the byte limit
or a field or two of the count, some with a body or after a pipelined request, some written in
several pieces (cut anywhere, or one byte before the end, at the limit, or between head and body:
where the count of an incomplete head and the measure of a complete one meet).

Every head is written as ``name: value`` with no other whitespace, so its size is exact: every byte
from the method to the blank line. Over the limit the answer is 431 problem+json with an
``X-Request-ID``, then the connection is closed; within it, the route's status for the caller
(``Authorization`` is read from the first such field), never 431. After every head, ``/healthz``
answers on a new connection. ``FUZZ_EXAMPLES`` scales the examples as for the cursor fuzzing.
"""

from __future__ import annotations

import json
import re
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from libs.common.auth import Role, mint_token
from libs.common.logging import plain_request_id
from libs.common.settings import Settings, load_settings
from tests.conftest import NO_RATE_LIMITS
from tests.fuzz.scale import fuzz_settings
from tests.security.served import Served, jisso_serve

pytestmark = pytest.mark.e2e
SETTINGS = fuzz_settings(HealthCheck.data_too_large)
LIMIT = Settings().max_header_bytes  # 16 KiB by default
FIELDS = Settings().max_header_fields  # 100 by default
MOST_FIELDS = 300
BIGGEST = 64 * 1024  # the largest value or request target drawn
TIMEOUT = 10  # seconds for any answer: a head the server neither answers nor refuses is a hang
PAUSE = 0.003  # between the pieces of a head, so the server reads them apart
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    signed_in: int  # the answer to an operator's valid token
    anonymous: int  # without one, or with anything else in the first Authorization field


ROUTES = (
    Route("GET", "/healthz", 200, 200),
    Route("GET", "/v1/projects", 200, 401),
    Route("GET", "/v1/projects/not-a-project", 422, 401),
    Route("GET", "/v1/no-such-route", 404, 404),
    Route("POST", "/v1/projects", 422, 401),
    Route("PATCH", f"/v1/projects/{UNKNOWN}", 422, 401),
    Route("DELETE", f"/v1/contacts/{UNKNOWN}/links/{UNKNOWN}", 404, 401),
    Route("OPTIONS", "/healthz", 405, 405),
)
HEALTHZ = ROUTES[0]


@dataclass(frozen=True)
class Head:
    route: Route
    target: bytes
    fields: tuple[tuple[bytes, bytes], ...]
    body: bytes = b""  # sent after the head, announced by a Content-Length field ahead of the rest
    before: bytes = b""  # a request for /healthz pipelined ahead of it, in its first piece
    cuts: tuple[int, ...] = ()  # offsets in the head and body where a new piece starts

    @property
    def all_fields(self) -> tuple[tuple[bytes, bytes], ...]:
        length = ((b"Content-Length", str(len(self.body)).encode()),) if self.body else ()
        return (*length, *self.fields)

    def wire(self) -> bytes:
        """The head as written: every byte from the method to the blank line."""
        lines = [f"{self.route.method} ".encode() + self.target + b" HTTP/1.1"]
        lines += [name + b": " + value for name, value in self.all_fields]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def pieces(self) -> list[bytes]:
        data, start = self.wire() + self.body, len(self.before)
        cuts = sorted({start + c for c in self.cuts if 0 < c < len(data)})
        bounds = [0, *cuts, start + len(data)]
        data = self.before + data
        return [data[a:b] for a, b in pairwise(bounds)]

    @property
    def over(self) -> bool:
        return len(self.wire()) > LIMIT or len(self.all_fields) > FIELDS

    def expected(self) -> int:
        auth = [value for name, value in self.fields if name.lower() == b"authorization"]
        signed_in = bool(auth) and auth[0] == b"Bearer " + operator_token().encode()
        return self.route.signed_in if signed_in else self.route.anonymous

    def request_id(self) -> str | None:
        """The X-Request-ID the app should echo: the last one, if it is plain."""
        given_ = [v for n, v in self.fields if n.lower() == b"x-request-id"]
        return plain_request_id(given_[-1].decode("latin-1")) if given_ else None

    def __repr__(self) -> str:  # the fields, not 64 KiB of them
        shown = [(n[:40], v[:40], len(v)) for n, v in self.all_fields[:12]]
        return (
            f"Head({self.route.method} {self.target[:80]!r} ({len(self.target)} bytes), "
            f"{len(self.wire())} bytes, {len(self.all_fields)} fields {shown}..., "
            f"body {len(self.body)}, pipelined after {len(self.before)}, cuts {self.cuts})"
        )


@cache
def operator_token() -> str:
    """Minted with the settings ``jisso serve`` reads from the same environment."""
    settings_ = load_settings("registry", environment="test")
    return mint_token(settings_, role=Role.operator, ttl_seconds=settings_.jwt_max_lifetime_seconds)


def padded(route: Route, size: int, *, count: int = 1, **more: object) -> Head:
    """A head of exactly ``size`` bytes and ``count`` fields, the last one padding it out."""
    fields = [(f"X-F{i}".encode(), b"v") for i in range(count - 1)]
    head = replace(Head(route, route.path.encode(), (*fields, (b"X-Pad", b""))), **more)
    pad = size - len(head.wire())
    assert pad >= 0, (size, len(head.wire()))
    return replace(head, fields=(*fields, (b"X-Pad", b"p" * pad)))


# A field name is a token: any of these, in any order.
TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Framing and conditional fields would change what the request means, not how big its head is.
RESERVED = {
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "expect",
    "te",
    "trailer",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
    "origin",
    "access-control-request-method",
    "content-type",
    "content-encoding",
    "x-request-id",
    "authorization",
}
KNOWN = [
    b"Host",
    b"User-Agent",
    b"Accept",
    b"Accept-Encoding",
    b"Accept-Language",
    b"Cookie",
    b"Cache-Control",
    b"Referer",
    b"X-Forwarded-For",
    b"X-Forwarded-Proto",
    b"X-Forwarded-Host",
    b"X-Real-IP",
    b"Forwarded",
    b"Via",
    b"traceparent",
    b"tracestate",
    b"baggage",
]
# A field value: visible ASCII, obs-text and inner spaces and tabs (none leading or trailing).
VCHAR = "".join(map(chr, [*range(0x21, 0x7F), *range(0x80, 0x100)])) + " \t"
PLAIN_ID = "ABCXYZabcxyz0189._:=+/-"
# A request target's query: unreserved, sub-delims but "&" (no parameters of its own), escapes.
QUERY_CHARS = st.sampled_from(
    [*"abcXYZ019-._~!$'()*+,;=:@/?", "%41", "%e3%81%82", "%00", "%zz", "%"]
)

names = st.text(TCHAR, min_size=1, max_size=40).filter(lambda n: n.lower() not in RESERVED)
SIZES = [(0, 40), (0, 40), (0, 40), (0, 2_000), (LIMIT - 64, LIMIT + 64), (0, BIGGEST)]
# Mostly small: a value or target near the limit or bigger is over it by itself.
sizes = st.sampled_from(SIZES).flatmap(lambda bounds: st.integers(*bounds))
pipelined_sizes = st.sampled_from([(100, 2_000), (LIMIT - 2_000, LIMIT)]).flatmap(
    lambda bounds: st.integers(*bounds)
)


@st.composite
def values(draw: st.DrawFn, alphabet: str = VCHAR, size: st.SearchStrategy[int] = sizes) -> bytes:
    """A seed of a few characters repeated to a drawn length, trimmed of outer whitespace."""
    seed = draw(st.text(alphabet, min_size=1, max_size=8)).encode("latin-1")
    length = draw(size)
    value = (seed * (length // len(seed) + 1))[:length]
    return re.sub(rb"^[ \t]|[ \t]$", b"x", value)


def _authorizations() -> st.SearchStrategy[bytes]:
    token = operator_token().encode()
    return st.one_of(
        st.just(b"Bearer " + token),
        st.sampled_from([b"Bearer", b"bearer", b"Bearer x", b"Basic Zm9vOmJhcg==", b"Negotiate"]),
        values().map(lambda v: b"Bearer " + v),
        values().map(lambda v: b"Basic " + v),
        values(),
        st.integers(0, len(token) - 1).map(lambda i: b"Bearer " + token[:i]),
        st.just(b"Bearer " + token + b"x"),
        st.just(b"Bearer " + token[:-1] + (b"A" if token[-1:] != b"A" else b"B")),
        st.just(b"Bearer " + token.replace(b".", b"..", 1)),
    )


authorizations = st.deferred(_authorizations)  # the token is minted when first drawn
request_ids = st.one_of(
    values(PLAIN_ID, st.integers(1, 128)),
    values(PLAIN_ID, st.integers(129, 2_000)),
    values(),
)
fields = st.one_of(
    st.tuples(names.map(str.encode), values()),
    st.tuples(st.sampled_from(KNOWN), values()),
    st.tuples(st.just(b"Authorization"), authorizations),
    st.tuples(st.sampled_from([b"X-Request-ID", b"x-request-id"]), request_ids),
)
repeats = st.one_of(st.just(1), st.integers(1, 8), st.integers(1, MOST_FIELDS))
small_values = values(VCHAR, st.integers(0, 40))


@st.composite
def field_lists(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    """0 to 300 fields: up to 16 drawn ones, each maybe repeated, at most 160 KiB of values in
    all, and as many small numbered ones as it takes to make up the count."""
    count = draw(st.one_of(st.integers(0, 12), st.integers(0, MOST_FIELDS)), label="fields")
    budget = 160 * 1024
    out: list[tuple[bytes, bytes]] = []
    for name, drawn in draw(st.lists(fields, max_size=min(count, 16)), label="drawn fields"):
        value = drawn[:budget].rstrip(b" \t")
        repeat = min(draw(repeats, label="repeat"), max(1, budget // max(1, len(value))))
        budget -= repeat * len(value)
        out += [(name, value)] * repeat
    if len(out) < count:
        prefix, value = draw(names, label="numbered"), draw(small_values, label="numbered value")
        numbered = [(f"{prefix}{i}".encode(), value) for i in range(count - len(out))]
        out = numbered + out if draw(st.booleans(), label="numbered first") else out + numbered
    return out[:count]


def cut_points(draw: st.DrawFn, head: Head) -> tuple[int, ...]:
    """Where the head (and body) is cut into pieces: anywhere, or where the two checks meet."""
    size, total = len(head.wire()), len(head.wire()) + len(head.body)
    if total < 2 or not draw(st.booleans(), label="split"):
        return ()
    near = [c for c in (size, size - 1, size - 2, LIMIT - 1, LIMIT, LIMIT + 1) if 0 < c < total]
    cut = st.one_of(st.integers(1, total - 1), st.sampled_from(near))
    return tuple(draw(st.lists(cut, min_size=1, max_size=3), label="cuts"))


@st.composite
def heads(draw: st.DrawFn) -> Head:
    route = draw(st.sampled_from(ROUTES), label="route")
    target = route.path.encode()
    if draw(st.booleans(), label="query"):
        length = draw(sizes, label="query length")
        seed = "".join(draw(st.lists(QUERY_CHARS, min_size=1, max_size=6)))
        target += b"?pad=" + (seed * (length // len(seed) + 1))[:length].encode()
    head = Head(route, target, tuple(draw(field_lists())))
    # A body is never JSON: a route that reads it refuses it (422), as it does no body.
    if draw(st.integers(0, 3), label="body") == 0:
        head = replace(head, body=b"not json " + b"b" * draw(sizes, label="body length"))
    if draw(st.integers(0, 3), label="pipelined") == 0:
        head = replace(head, before=padded(HEALTHZ, draw(pipelined_sizes)).wire())
    shape = draw(st.sampled_from(["free", "bytes", "fields"]), label="shape")
    if shape == "bytes":  # within a few bytes of the limit, padded by a field or the target
        size = LIMIT + draw(st.integers(-6, 6), label="bytes from the limit")
        by_field = draw(st.booleans(), label="pad by a field")
        extra = len(b"X-Pad: \r\n") if by_field else len(b"&pad2=")
        kept = list(head.fields[: FIELDS - 2])
        while kept and len(replace(head, fields=tuple(kept)).wire()) + extra > size:
            kept.pop()
        head = replace(head, fields=tuple(kept))
        if len(head.wire()) + extra > size:  # the target alone is too long: start afresh
            head = replace(head, target=route.path.encode())
        pad = b"p" * (size - len(head.wire()) - extra)
        if by_field:
            head = replace(head, fields=(*head.fields, (b"X-Pad", pad)))
        else:
            sep = b"&" if b"?" in head.target else b"?"
            head = replace(head, target=head.target + sep + b"pad2=" + pad)
        assert len(head.wire()) == size, (len(head.wire()), size)
    elif shape == "fields":  # within a field or two of the count, each field small
        count = FIELDS + draw(st.integers(-2, 2), label="fields from the limit")
        count -= len(head.all_fields) - len(head.fields)
        small = [(n, v[:64].rstrip(b" \t")) for n, v in head.fields[:count]]
        small += [(f"X-F{i}".encode(), b"v") for i in range(count - len(small))]
        head = replace(head, fields=tuple(small))
    return replace(head, cuts=cut_points(draw, head))


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


@pytest.fixture(scope="module")
def registry(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    # Thousands of 401s from one address: the rate limits are off, as in-process (tests/conftest).
    no_limits = {name.upper(): value for name, value in NO_RATE_LIMITS.items()}
    log_dir = tmp_path_factory.mktemp("serve")
    with jisso_serve("registry", database_url, redis_url, log_dir, **no_limits) as served:
        yield served


def boundary(route: Route) -> list[Head]:
    """At the byte limit and one over, whole and with the last byte or the byte past the limit
    written apart; at the field count and one over."""
    return [
        padded(route, LIMIT),
        padded(route, LIMIT, cuts=(LIMIT - 1,)),
        padded(route, LIMIT + 1),
        padded(route, LIMIT + 1, cuts=(LIMIT,)),
        padded(route, LIMIT + 2, cuts=(LIMIT + 1,)),
        padded(route, 2_000, count=FIELDS),
        padded(route, 2_000, count=FIELDS + 1),
        # Bytes past a complete head are not the head's: a body, or a request pipelined after it.
        padded(route, 1_000, body=b"not json " + b"b" * LIMIT),
        padded(route, 6_000, before=padded(HEALTHZ, 12_000).wire(), cuts=(5_000,)),
    ]


def with_boundaries(test: Callable[..., None]) -> Callable[..., None]:
    for route in (ROUTES[0], ROUTES[4], ROUTES[6], ROUTES[7]):  # methods of 3, 4, 6 and 7 bytes
        for head in boundary(route):
            test = example(head=head)(test)
    return test


@with_boundaries
@given(head=heads())
@SETTINGS
def test_a_fuzzed_head_is_answered_431_over_the_limits_and_by_its_route_within(
    registry: Served, head: Head
) -> None:
    answer = send(registry, head)
    assert answer.status < 500, (head, answer)
    if head.over:
        assert answer.status == 431, (head, answer)
        assert answer.header("content-type") == "application/problem+json"
        assert re.fullmatch(r"[0-9a-f]{32}", answer.header("x-request-id")), answer
        assert answer.closed, "the connection stays open after a 431"
        problem = json.loads(answer.body)
        assert problem["status"] == 431, problem
    else:
        assert answer.status == head.expected(), (head, answer)
        rid = answer.header("x-request-id")
        if echoed := head.request_id():
            assert rid == echoed
        else:  # none sent, or none plain: a fresh one, never the junk
            assert re.fullmatch(r"[0-9a-f]{32}", rid), rid
    assert_still_serving(registry)
