"""Every state machine of the notify service (通知), for docs and the composition root, and how a
set-based UPDATE reads one."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from libs.common.state_machine import StateMachine
from services.notify.campaigns.states import CAMPAIGN
from services.notify.deliveries.states import DELIVERY

MACHINES: list[StateMachine[Any, Any]] = [CAMPAIGN, DELIVERY]

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


def single_move(machine: StateMachine[S, E], event: E) -> tuple[list[S], S]:
    """The states ``event`` leaves and the one state it leads to, for ``UPDATE … SET state =
    target WHERE state IN sources``. An event whose sources lead to different states has no one
    ``SET`` and is an error here, not a silently wrong update."""
    moves = machine.moves(event)
    targets = set(moves.values())
    if len(targets) != 1:
        raise ValueError(f"{machine.name}: {event} leads to {sorted(targets)}, not one state")
    return list(moves), targets.pop()
