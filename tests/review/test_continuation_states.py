"""The one state table: docs/review.md shows exactly the code's, and it refuses what it lacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from libs.common.errors import Conflict
from services.review.continuation.states import (
    APPLICATION_STATES,
    ASSESSMENT_STATES,
    PROJECT_STATES,
    TRANSITIONS,
    Event,
    State,
    moves,
    transition,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "review.md"


def documented() -> dict[tuple[str, str], str]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- transitions:begin -->")[1].split("<!-- transitions:end -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows[1:]]
    return {(state, event): new for state, event, new, _ in cells}


def test_the_documented_table_is_the_code_table() -> None:
    assert documented() == {(str(s), str(e)): str(t) for (s, e), t in TRANSITIONS.items()}


def test_each_state_belongs_to_one_thing() -> None:
    assert set(State) == APPLICATION_STATES | PROJECT_STATES | ASSESSMENT_STATES
    assert not APPLICATION_STATES & PROJECT_STATES
    for (source, _), target in TRANSITIONS.items():
        family = next(
            f for f in (APPLICATION_STATES, PROJECT_STATES, ASSESSMENT_STATES) if source in f
        )
        assert target in family


def test_a_missing_transition_is_a_409_naming_what_is_allowed() -> None:
    assert transition("draft", Event.submit, subject="継続申請書") is State.submitted
    with pytest.raises(Conflict) as raised:
        transition("approved", Event.reject, subject="継続申請書")
    problem = raised.value.to_problem()
    assert problem["status"] == 409
    assert problem["rule"] == "state_transition"
    assert problem["allowed_events"] == []
    assert re.search(r"「継続承認」", problem["detail"])


def test_the_sweeps_moves_come_from_the_table() -> None:
    assert moves(Event.term_ended, PROJECT_STATES) == {
        State.applied: State.ended,
        State.not_submitted: State.ended,
    }
    assert moves(Event.deadline_passed, PROJECT_STATES) == {State.eligible: State.not_submitted}
    assert moves(Event.review_start, APPLICATION_STATES) == {State.submitted: State.under_review}
