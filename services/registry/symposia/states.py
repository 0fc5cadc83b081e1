"""The state machine of a symposium: scheduled until an operator cancels it, and nothing after.

Every path that changes a symposium fires its event here first, so a refused change is the one 409
(rule ``state_transition``) and docs/registry.md shows this same table (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.state_machine import StateMachine


class SymposiumState(StrEnum):
    """シンポジウムの状態."""

    scheduled = "scheduled"
    cancelled = "cancelled"


class SymposiumEvent(StrEnum):
    update = "update"
    cancel = "cancel"
    correct = "correct"


S, E = SymposiumState, SymposiumEvent
SEED = "seed: back to the document's facts"

SYMPOSIUM: StateMachine[SymposiumState, SymposiumEvent] = StateMachine(
    name="registry.symposium",
    subject="シンポジウム",
    subject_en="symposium",
    states=SymposiumState,
    transitions={
        (S.scheduled, E.update): S.scheduled,
        (S.scheduled, E.cancel): S.cancelled,
        (S.cancelled, E.cancel): S.cancelled,
        (S.scheduled, E.correct): S.scheduled,
        (S.cancelled, E.correct): S.cancelled,
    },
    labels={S.scheduled: "開催予定", S.cancelled: "中止"},
    notes={
        (S.scheduled, E.update): "operator (If-Match); time, format or URL raises `sequence`",
        (S.scheduled, E.cancel): "operator; raises `sequence`",
        (S.cancelled, E.cancel): "a repeat changes nothing",
        (S.scheduled, E.correct): SEED,
        (S.cancelled, E.correct): SEED,
    },
    internal=frozenset({E.correct}),
)
