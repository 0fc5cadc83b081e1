"""The continuation review's three state machines: each keeps to its own states, refuses what its
table lacks with the one 409 shape, and gives the sweeps their moves. (docs/review.md shows the
same tables: tests/kernel/test_state_machine_docs.py.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from libs.common.errors import Conflict
from libs.common.state_machine import StateMachine
from services.review.continuation.states import (
    APPLICATION,
    ASSESSMENT,
    ELIGIBLE_PROJECT,
    MACHINES,
    ContinuationApplicationState,
    EligibleProjectState,
    Event,
)

A, P = ContinuationApplicationState, EligibleProjectState


def test_the_three_machines_and_their_names() -> None:
    assert [m.name for m in MACHINES] == [
        "continuation.application",
        "continuation.eligible_project",
        "continuation.assessment",
    ]
    assert [m.subject for m in MACHINES] == ["継続申請書", "対象事業", "評価"]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_each_machine_keeps_to_its_own_states_and_labels_them_all(
    machine: StateMachine[Any, Any],
) -> None:
    for (source, _), target in machine.transitions.items():
        assert isinstance(source, machine.states)
        assert isinstance(target, machine.states)
    assert set(machine.labels) == set(machine.states)


def test_a_missing_transition_is_a_409_naming_what_is_allowed() -> None:
    assert APPLICATION.fire("draft", Event.submit) is A.submitted
    with pytest.raises(Conflict) as raised:
        APPLICATION.fire("approved", Event.reject)
    problem = raised.value.to_problem()
    assert problem["status"] == 409
    assert problem["rule"] == "state_transition"
    assert (problem["state"], problem["event"]) == ("approved", "reject")
    assert problem["allowed_events"] == []
    assert re.search(r"継続申請書は「継続承認」", problem["detail"])


def test_a_state_of_another_machine_is_not_one_of_this_one() -> None:
    with pytest.raises(ValueError):
        ASSESSMENT.fire("draft", Event.save_assessment)


def test_the_sweeps_moves_come_from_the_tables() -> None:
    assert ELIGIBLE_PROJECT.moves(Event.term_ended) == {
        P.applied: P.ended,
        P.not_submitted: P.ended,
    }
    assert ELIGIBLE_PROJECT.moves(Event.deadline_passed) == {P.eligible: P.not_submitted}
    assert APPLICATION.moves(Event.review_start) == {A.submitted: A.under_review}
