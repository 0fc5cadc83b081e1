"""Which results of a routine sweep are worth an info line (`did_something`)."""

from __future__ import annotations

from typing import Any

import pytest

from libs.common.queue.jobs import did_something


@pytest.mark.parametrize(
    "result",
    [None, 0, False, "", [], {}, {"day": "2026-04-01", "ended": 0}, {"held": []}, {"sent": 0}],
)
def test_a_sweep_that_found_nothing_is_quiet(result: Any) -> None:
    assert not did_something(result)


@pytest.mark.parametrize(
    "result", [3, True, ["a"], {"day": "2026-04-01", "ended": 2}, {"held": ["id"]}, object()]
)
def test_a_sweep_that_did_something_says_so(result: Any) -> None:
    assert did_something(result)
