"""Cursor pagination: opaque cursors over a sort key, and a ``next`` link that carries the filters."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from starlette.datastructures import URL

from libs.common.errors import InvalidInput

T = TypeVar("T")
MAX_PAGE_SIZE = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(default=None, description="URL of the next page; absent on the last")


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.field(
            "query.cursor", "cursor", "the cursor is not one we issued"
        ) from exc
    if not isinstance(values, list):
        raise InvalidInput.field("query.cursor", "cursor", "the cursor is not one we issued")
    return values


def next_link(url: URL, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return str(url.include_query_params(cursor=cursor))
