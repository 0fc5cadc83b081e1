"""How hypothesis draws request heads for the header fuzzing: odd but legal names, values up to
64 KiB, repeated fields, junk credentials and request IDs, heads at the limits, cut into pieces."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import strategies as st

from tests.fuzz.heads import FIELDS, HEALTHZ, LIMIT, ROUTES, Head, operator_token, padded

MOST_FIELDS = 300
BIGGEST = 64 * 1024  # the largest value or request target drawn


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
