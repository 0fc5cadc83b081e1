"""Request dependencies of the joint review: who may call (the registry client and the clock are
the review service's, in ``services.review.dependencies``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends

from libs.common.auth import Principal, Role, require
from libs.common.errors import InvalidInput
from libs.common.pagination import decode_cursor

Applicant = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
Reviewer = Annotated[Principal, Depends(require(Role.reviewer))]
Assessor = Annotated[Principal, Depends(require(Role.operator, Role.reviewer))]
Participant = Annotated[
    Principal, Depends(require(Role.operator, Role.reviewer, Role.municipality))
]
Anyone = Annotated[
    Principal,
    Depends(require(Role.operator, Role.reviewer, Role.municipality, Role.partner, Role.service)),
]


Responses = dict[int | str, dict[str, Any]]


def cursor_of(cursor: str | None, *types: Callable[[Any], Any]) -> list[Any] | None:
    """A cursor we issued, its values converted (a forged one is a 422, never a 500)."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        if len(values) != len(types):
            raise ValueError("length")
        return [convert(value) for convert, value in zip(types, values, strict=True)]
    except (TypeError, ValueError):
        raise InvalidInput.field(
            "query.cursor", "cursor", "the cursor is not one we issued"
        ) from None


def uuid_text(value: Any) -> str:
    return str(uuid.UUID(str(value)))
