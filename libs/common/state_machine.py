"""State machines as tables: ``(state, event) → new state``, one table per machine.

Every thing that has a state (a campaign, a delivery, a symposium, an application …) declares its
machine next to its model. Endpoints call :meth:`StateMachine.fire`; set-based sweeps build their
``UPDATE … WHERE state = source`` from :meth:`StateMachine.moves`; docs render the same table with
:func:`sync_markdown`, so the code, the refusals and the documentation cannot disagree.

A refused transition is the same 409 everywhere: rule ``state_transition`` with ``state``,
``event`` and ``allowed_events``. Events only the system fires (the seed's corrections, sweeps, the
sender) are declared ``internal``: they stay in the table and the docs, but a refusal never offers
them to an API caller, who has no way to fire them. Written here rather than taken from a library
(python-statemachine, transitions): those model one object's life with callbacks; we need the
table itself, as data, for SQL sweeps and generated docs, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from libs.common.errors import Conflict

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class StateMachine(Generic[S, E]):
    """One machine: its name (used in docs markers), what it governs in both languages, its
    transition table and a Japanese label per state."""

    name: str
    subject: str  # 日本語, e.g. 「キャンペーン」
    subject_en: str
    states: type[S]
    transitions: Mapping[tuple[S, E], S]
    labels: Mapping[S, str] = field(default_factory=dict)
    notes: Mapping[tuple[S, E], str] = field(default_factory=dict)
    internal: frozenset[E] = frozenset()

    def allowed_events(self, state: S | str) -> list[E]:
        """What a caller may ask for in ``state``: the table's events, less the internal ones."""
        return [
            event
            for (source, event) in self.transitions
            if source == state and event not in self.internal
        ]

    def can(self, state: S | str, event: E) -> bool:
        return (self.states(state), event) in self.transitions

    def fire(self, state: S | str, event: E) -> S:
        """The state after ``event``, or the one 409 naming the state and what it allows."""
        current = self.states(state)
        target = self.transitions.get((current, event))
        if target is None:
            raise self.refusal(current, event)
        return target

    def refusal(self, state: S | str, event: E | str) -> Conflict:
        current = self.states(state)
        allowed = [str(e) for e in self.allowed_events(current)]
        label = self.labels.get(current, str(current))
        return Conflict(
            f"{self.subject}は「{label}」のため {event} できません"
            f"（the {self.subject_en} is {current}; {event} is not allowed; "
            f"allowed: {', '.join(allowed) or 'nothing'}）",
            rule="state_transition",
            state=str(current),
            event=str(event),
            allowed_events=allowed,
        )

    def moves(self, event: E) -> dict[S, S]:
        """Source → target of ``event`` (for a set-based ``UPDATE … WHERE state = source``)."""
        return {source: target for (source, ev), target in self.transitions.items() if ev == event}

    def sources(self, event: E) -> list[S]:
        return list(self.moves(event))

    def markdown(self) -> str:
        """The table as docs show it: one row per transition, then the state labels."""
        rows = ["| state | event | new state | note |", "|---|---|---|---|"]
        for (source, event), target in self.transitions.items():
            note = self.notes.get((source, event), "")
            if event in self.internal:
                note = f"{note} (internal: never offered in a 409)".lstrip()
            rows.append(
                f"| `{source}` {self._label(source)} | `{event}` | "
                f"`{target}` {self._label(target)} | {note} |"
            )
        return "\n".join(rows)

    def _label(self, state: S) -> str:
        label = self.labels.get(state)
        return f"（{label}）" if label else ""


_BLOCK = re.compile(
    r"(<!-- state-machine: (?P<name>[\w.-]+) -->\n).*?(<!-- /state-machine -->)", re.DOTALL
)


def sync_markdown(text: str, machines: Iterable[StateMachine[Any, Any]]) -> str:
    """Replace every ``<!-- state-machine: NAME -->`` … ``<!-- /state-machine -->`` block in
    ``text`` with the named machine's current table. An unknown name is an error, so a renamed
    machine cannot leave a stale table behind."""
    by_name = {machine.name: machine for machine in machines}

    def render(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in by_name:
            raise KeyError(f"docs name an unknown state machine: {name}")
        return f"{match.group(1)}{by_name[name].markdown()}\n{match.group(3)}"

    return _BLOCK.sub(render, text)


def documented_names(text: str) -> set[str]:
    return {match.group("name") for match in _BLOCK.finditer(text)}
