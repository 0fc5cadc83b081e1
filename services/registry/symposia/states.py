"""The state machine of a symposium: scheduled until it ends (held) or an operator cancels it.

A symposium whose end has passed is held (開催済み): the registry's daily sweep fires ``hold``, and
a symposium entered after its end (the seed's 開催実績, an operator's record) is stored held. Held
and cancelled are final for callers: a change of either is the 409 below.

Every path that changes a symposium fires its event here first, so a refused change is the one 409
(rule ``state_transition``) and docs/registry.md shows this same table (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.state_machine import StateMachine


class SymposiumState(StrEnum):
    """シンポジウムの状態."""

    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class SymposiumEvent(StrEnum):
    update = "update"
    cancel = "cancel"
    correct = "correct"
    hold = "hold"


S, E = SymposiumState, SymposiumEvent
SEED = "seed: back to the document's facts"
HOLD = "daily sweep (or the seed): its end has passed"

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
        (S.held, E.correct): S.held,
        (S.scheduled, E.hold): S.held,
    },
    labels={S.scheduled: "開催予定", S.held: "開催済み", S.cancelled: "中止"},
    notes={
        (S.scheduled, E.update): "operator (If-Match); time, format or URL raises `sequence`",
        (S.scheduled, E.cancel): "operator; raises `sequence`",
        (S.cancelled, E.cancel): "a repeat changes nothing",
        (S.scheduled, E.correct): SEED,
        (S.cancelled, E.correct): SEED,
        (S.held, E.correct): SEED,
        (S.scheduled, E.hold): HOLD,
    },
    internal=frozenset({E.correct, E.hold}),
)
