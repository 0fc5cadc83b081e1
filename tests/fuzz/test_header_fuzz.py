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
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, example, given

from tests.fixtures.servers import NO_RATE_LIMITS
from tests.fuzz.head_strategies import heads
from tests.fuzz.head_wire import assert_still_serving, send
from tests.fuzz.heads import FIELDS, HEALTHZ, LIMIT, ROUTES, Head, Route, padded
from tests.fuzz.scale import fuzz_settings
from tests.security.served import Served, jisso_serve

SETTINGS = fuzz_settings(HealthCheck.data_too_large)


@pytest.fixture(scope="module")
def registry(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    # Thousands of 401s from one address: the rate limits are off, as in-process
    # (tests/fixtures/servers.py).
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
