"""A raw HTTP/1.1 request head, as the header fuzzing writes it to a real ``jisso serve``: the
routes it asks, its exact size on the wire, the pieces it is written in and the answer it expects
(test_header_fuzz.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from urllib.parse import parse_qsl

from libs.common.auth import Role, mint_token
from libs.common.logging import plain_request_id
from libs.common.settings import Settings, load_settings

LIMIT = Settings().max_header_bytes  # 16 KiB by default
FIELDS = Settings().max_header_fields  # 100 by default
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    signed_in: int  # the answer to an operator's valid token
    anonymous: int  # without one, or with anything else in the first Authorization field
    # A route FastAPI matches refuses query parameters it does not declare (none of these
    # declares ``pad``), before anything else: 422 (libs/common/query_params.py).
    routed: bool = True


ROUTES = (
    Route("GET", "/healthz", 200, 200),
    Route("GET", "/v1/projects", 200, 401),
    Route("GET", "/v1/projects/not-a-project", 422, 401),
    Route("GET", "/v1/no-such-route", 404, 404, routed=False),
    Route("POST", "/v1/projects", 422, 401),
    Route("PATCH", f"/v1/projects/{UNKNOWN}", 422, 401),
    Route("DELETE", f"/v1/contacts/{UNKNOWN}/links/{UNKNOWN}", 404, 401),
    Route("OPTIONS", "/healthz", 405, 405, routed=False),
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
        query = self.target.partition(b"?")[2].decode("latin-1")
        if self.route.routed and parse_qsl(query, keep_blank_values=True):
            return 422
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
