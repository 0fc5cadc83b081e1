"""Cursors fuzzed on every paginated list of the three services: never a 5xx, always a 422 naming
``query.cursor``.

Schemathesis generates a ``cursor`` as any string, which is almost never shaped like one: here
hypothesis draws cursors that are — base64url of arbitrary JSON (what an attacker who read a
cursor would forge), deeply nested arrays, genuine cursors cut short or with one character changed,
a genuine payload under a made-up signature, and plain text — for a list drawn from all of them.
``FUZZ_EXAMPLES`` scales the number of examples as for the OpenAPI fuzzing (``make fuzz``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from libs.common.pagination import encode_cursor_for
from tests.fuzz.conftest import Target
from tests.fuzz.scale import fuzz_settings
from tests.security.paginated import OPERATIONS, assert_refused_cursor
from tests.security.wiring import fill

SETTINGS = fuzz_settings(HealthCheck.function_scoped_fixture)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)
forged = json_values.map(lambda value: b64(json.dumps(value).encode()))
nested = st.integers(min_value=1, max_value=5_000).map(
    lambda depth: b64(("[" * depth + "]" * depth).encode())
)
plain_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300)
sort_keys = st.lists(
    st.integers() | st.text(max_size=40) | st.uuids().map(str), min_size=1, max_size=3
)


@st.composite
def tampered(draw: st.DrawFn, genuine: str) -> str:
    """A genuine cursor for the list, changed in one way."""
    body = genuine.partition(".")[0]
    how = draw(st.sampled_from(["cut", "flip", "resign", "drop_mac"]))
    if how == "cut":
        return genuine[: draw(st.integers(min_value=1, max_value=len(genuine) - 1))]
    if how == "flip":
        at = draw(st.integers(min_value=0, max_value=len(genuine) - 1))
        other = draw(st.sampled_from("AQgw-_.0z").filter(lambda c: c != genuine[at]))
        return genuine[:at] + other + genuine[at + 1 :]
    if how == "resign":
        return f"{body}.{b64(draw(st.binary(min_size=0, max_size=40)))}"
    return body


def exercise(target: Target, service: str, path: str, cursor: str) -> None:
    async def call() -> None:
        response = await target.wired.clients[service].get(
            fill(path), params={"cursor": cursor}, headers=target.headers
        )
        assert_refused_cursor(response)

    target.run(call())


@given(data=st.data())
@SETTINGS
def test_a_fuzzed_cursor_is_a_422_naming_it(target: Target, data: st.DataObject) -> None:
    service, path = data.draw(st.sampled_from(OPERATIONS), label="list")
    settings_of: Any = target.wired.apps[service].state.settings
    genuine = encode_cursor_for(settings_of, fill(path), data.draw(sort_keys, label="sort key"))
    cursor = data.draw(st.one_of(forged, nested, plain_text, tampered(genuine)), label="cursor")
    exercise(target, service, path, cursor)
