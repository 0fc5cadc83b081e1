"""Optimistic concurrency over HTTP: ``ETag`` on every mutable resource, ``If-Match`` to change it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from libs.common.errors import PreconditionFailed, PreconditionRequired

IfMatch = Annotated[
    str | None, Header(description="The ETag from your last read; required to change a resource")
]


def etag_for(kind: str, key: object, version: int) -> str:
    return f'"{kind}-{key}-v{version}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """428 without ``If-Match``; 412 when it names another version (``*`` matches any)."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag from your last read of this resource",
            current_etag=current,
        )
    candidates = {c.strip().removeprefix("W/") for c in if_match.split(",")}
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(
            "the resource changed since you read it; read it again and retry",
            current_etag=current,
        )
