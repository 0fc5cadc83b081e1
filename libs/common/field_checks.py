"""Every broken field rule of a body in one 422: independent checks run side by side and their
problems are gathered, so a caller fixes the whole body at once instead of one rule per attempt.

A check is any callable that returns its value or raises ``InvalidInput``; a check that depends on
another's value runs after :meth:`FieldChecks.raise_any`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from libs.common.errors import FieldProblem, InvalidInput

T = TypeVar("T")


def invalid(problems: list[FieldProblem]) -> InvalidInput:
    """One 422 naming every problem (each field, rule and message)."""
    return InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)


class FieldChecks:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def run(self, check: Callable[[], T]) -> T | None:
        """The check's value, or None with its problems kept for :meth:`raise_any`."""
        try:
            return check()
        except InvalidInput as exc:
            self.problems += exc.errors or []
            return None

    def raise_any(self) -> None:
        if self.problems:
            raise invalid(self.problems)
