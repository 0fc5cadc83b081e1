"""Every state machine of the review service (審査), for docs and the composition root."""

from __future__ import annotations

from typing import Any

from libs.common.state_machine import StateMachine
from services.review.continuation.states import MACHINES as CONTINUATION
from services.review.joint_review.states import MACHINES as JOINT_REVIEW

MACHINES: list[StateMachine[Any, Any]] = [*CONTINUATION, *JOINT_REVIEW]
