"""The generic state-machine table: transitions, the one 409 shape, and the docs it renders."""

from __future__ import annotations

from enum import StrEnum

import pytest

from libs.common.errors import Conflict
from libs.common.state_machine import StateMachine, documented_names, sync_markdown


class Door(StrEnum):
    open = "open"
    shut = "shut"
    locked = "locked"


class Push(StrEnum):
    close = "close"
    lock = "lock"
    unlock = "unlock"
    open = "open"


DOOR = StateMachine(
    name="test.door",
    subject="扉",
    subject_en="door",
    states=Door,
    transitions={
        (Door.open, Push.close): Door.shut,
        (Door.shut, Push.open): Door.open,
        (Door.shut, Push.lock): Door.locked,
        (Door.locked, Push.unlock): Door.shut,
    },
    labels={Door.open: "開", Door.shut: "閉", Door.locked: "施錠"},
)


def test_an_allowed_event_moves_to_its_target() -> None:
    assert DOOR.fire("shut", Push.lock) is Door.locked
    assert DOOR.can(Door.locked, Push.unlock)
    assert not DOOR.can(Door.open, Push.lock)


def test_a_refused_event_is_the_one_409_shape() -> None:
    with pytest.raises(Conflict) as refused:
        DOOR.fire(Door.locked, Push.open)
    problem = refused.value.to_problem()
    assert problem["status"] == 409
    assert problem["rule"] == "state_transition"
    assert (problem["state"], problem["event"]) == ("locked", "open")
    assert problem["allowed_events"] == ["unlock"]
    assert "施錠" in problem["detail"]


def test_moves_give_a_set_based_update_its_sources() -> None:
    assert DOOR.moves(Push.lock) == {Door.shut: Door.locked}
    assert DOOR.sources(Push.open) == [Door.shut]


def test_docs_blocks_are_rewritten_from_the_table_and_unknown_names_refused() -> None:
    stale = "intro\n<!-- state-machine: test.door -->\n| old |\n<!-- /state-machine -->\nend\n"
    fresh = sync_markdown(stale, [DOOR])
    assert "| old |" not in fresh
    assert "| `shut` （閉） | `lock` | `locked` （施錠） |  |" in fresh
    assert sync_markdown(fresh, [DOOR]) == fresh
    assert documented_names(fresh) == {"test.door"}
    with pytest.raises(KeyError):
        sync_markdown(stale.replace("test.door", "test.window"), [DOOR])


def test_an_internal_event_moves_but_is_never_offered_to_a_caller() -> None:
    door = StateMachine(
        name="test.door.internal",
        subject="扉",
        subject_en="door",
        states=Door,
        transitions={**DOOR.transitions, (Door.locked, Push.open): Door.open},
        internal=frozenset({Push.open}),
    )
    assert door.fire(Door.locked, Push.open) is Door.open
    with pytest.raises(Conflict) as refused:
        door.fire(Door.open, Push.lock)
    assert refused.value.to_problem()["allowed_events"] == ["close"]
    assert door.allowed_events(Door.locked) == [Push.unlock]
    assert "internal" in door.markdown()
