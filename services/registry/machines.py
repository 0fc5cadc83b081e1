"""Every state machine of the registry service (台帳), for docs and the composition root."""

from __future__ import annotations

from typing import Any

from libs.common.state_machine import StateMachine
from services.registry.projects.states import PROJECT
from services.registry.symposia.states import SYMPOSIUM

MACHINES: list[StateMachine[Any, Any]] = [PROJECT, SYMPOSIUM]
