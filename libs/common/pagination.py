"""Cursor pagination: signed, opaque cursors over a sort key, and a ``next`` link that carries the
filters.

A cursor is ``base64url(JSON list: the last row's sort key) "." base64url(HMAC-SHA256)``; the MAC
covers the list's path and the encoded payload. So:

- a cursor cannot be forged, edited, truncated or carried to another list: anything but a cursor we
  issued for this path is a 422 naming ``query.cursor`` before its payload is parsed at all (no JSON
  parser ever sees a stranger's deeply nested document);
- a verified payload is still checked against the shape its list expects (how many values, and the
  type of each: ``Key.integer``, ``Key.text``, ``Key.uuid``, ``Key.timestamp``), so a cursor our own
  code signed wrongly is a 422 too, never a 500.

The payload is readable (the sort key of a row the caller has already seen): tamper-evident, not
secret. The MAC key is derived from ``JWT_SECRET`` (HMAC of a fixed label, so a cursor's MAC can
never serve as a token's signature or the other way round) and cursors are verified against
``JWT_SECRET`` and every ``JWT_PREVIOUS_SECRETS``: during a key rotation a cursor issued by a pod
holding either key works on every pod; once a key is dropped, cursors it signed are a 422 and the
client starts again from the first page (docs/operations.md, "Rotate the JWT and link keys").

Hand-written on the standard library's ``hmac`` rather than a signing library (itsdangerous): the
whole format is the few lines below, and no new dependency is needed for it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from starlette.datastructures import URL
from starlette.requests import Request

from libs.common.errors import InvalidInput
from libs.common.settings import Settings

T = TypeVar("T")
MAX_PAGE_SIZE = 200
# Longer than any cursor we issue (a 300-character title is ~1.2 kB): refused before any work.
MAX_CURSOR_LENGTH = 4096
_KEY_LABEL = b"jisso/pagination-cursor/v1"
_REFUSED = (
    "カーソルが不正です。一覧の next のリンクをそのまま使ってください"
    "（the cursor is not one we issued for this list）"
)

CursorValue = str | int | uuid.UUID | datetime
KeyPart = Callable[[Any], Any]


PageLimit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"1ページの件数（page size, 1–{MAX_PAGE_SIZE}）",
        examples=[50],
    ),
]
"""The ``limit`` of every list (default each route's own, usually 50)."""

PageCursor = Annotated[
    str | None,
    Query(
        description="続きの位置。前のページの next のリンクにあるものをそのまま使う（the cursor of "
        "the previous page's `next` link, opaque and signed: any other value is a 422）",
    ),
]
"""The ``cursor`` of every list."""


class Page(BaseModel, Generic[T]):
    """一覧の1ページ（one page of a list: its items and the URL of the next page）."""

    items: list[T] = Field(
        description="このページの項目（the items of this page, in the list's order）"
    )
    next: str | None = Field(
        default=None,
        description="次のページの URL。最後のページでは null（URL of the next page; null on the "
        "last）",
        examples=["/v1/projects?limit=50&cursor=eyJrIjpbIjIwMjEiXX0.c2ln"],
    )


class Key:
    """The types one value of a sort key may have: each checks a decoded value and converts it."""

    @staticmethod
    def integer(value: Any) -> int:
        # bool is an int to Python, never to a sort key; bigint bounds, as PostgreSQL's.
        if type(value) is not int or not -(2**63) <= value < 2**63:
            raise ValueError("not an integer")
        return value

    @staticmethod
    def text(value: Any) -> str:
        if type(value) is not str or "\x00" in value:
            raise ValueError("not text")
        return value

    @staticmethod
    def uuid(value: Any) -> uuid.UUID:
        return uuid.UUID(Key.text(value))

    @staticmethod
    def timestamp(value: Any) -> datetime:
        instant = datetime.fromisoformat(Key.text(value))
        if instant.tzinfo is None:
            raise ValueError("a timestamp without offset")
        return instant


def refused() -> InvalidInput:
    return InvalidInput.field("query.cursor", "cursor", _REFUSED)


def encode_cursor(request: Request, values: Sequence[CursorValue]) -> str:
    """The cursor continuing this list (``request``'s path) after ``values``."""
    return encode_cursor_for(request.app.state.settings, request.url.path, values)


def decode_cursor(request: Request, cursor: str | None, *shape: KeyPart) -> list[Any] | None:
    """The sort key of a cursor issued for this list, converted by ``shape``; ``None`` without
    one; a 422 naming ``query.cursor`` for anything else."""
    return decode_cursor_for(request.app.state.settings, request.url.path, cursor, *shape)


def next_link(url: URL, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return str(url.include_query_params(cursor=cursor))


def position_cursor(request: Request, cursor: str | None) -> list[Any] | None:
    """The cursor of a list paged by :func:`page_of`: (position, id of the last row shown).
    Decoded before the list is read, so a cursor we did not issue is a 422 whatever follows."""
    return decode_cursor(request, cursor, Key.integer, Key.text)


def page_of(
    request: Request,
    rows: Sequence[T],
    ident: Callable[[T], object],
    *,
    after: list[Any] | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """A page, and its ``next`` link, of a short list the service holds whole and in its order
    (an application's assessments, a cycle's projects): the same ``limit``, signed ``cursor``
    and ``next`` as a list paged in SQL, so every list of the API reads alike.

    The cursor (``after``, from :func:`position_cursor`) names the last row shown, its position
    and id: the next page starts after that row wherever it now is, so a row added or removed
    meanwhile neither repeats nor skips one; only if that row itself is gone does the page start
    at the position after it. ``ident`` is the row's identity (an id, a fiscal year), as text."""
    start = 0
    if after is not None:
        position, anchor = after
        ids = [str(ident(row)) for row in rows]
        start = ids.index(anchor) + 1 if anchor in ids else position + 1
    page = list(rows[start : start + limit])
    if not page or start + limit >= len(rows):
        return page, None
    last: list[CursorValue] = [start + len(page) - 1, str(ident(page[-1]))]
    return page, next_link(request.url, encode_cursor(request, last))


def encode_cursor_for(settings: Settings, path: str, values: Sequence[CursorValue]) -> str:
    plain = [_plain(value) for value in values]
    return seal_cursor(settings, path, json.dumps(plain, ensure_ascii=False).encode())


def seal_cursor(settings: Settings, path: str, payload: bytes) -> str:
    """Sign any payload as a cursor for ``path`` (``encode_cursor`` signs only lists of plain
    values; tests sign shapes we never issue with this)."""
    body = _b64(payload)
    return f"{body}.{_mac(_keys(tuple(settings.verification_secrets))[0], path, body)}"


def decode_cursor_for(
    settings: Settings, path: str, cursor: str | None, *shape: KeyPart
) -> list[Any] | None:
    if not cursor:
        return None
    payload = _verified(_keys(tuple(settings.verification_secrets)), path, cursor)
    try:
        values = json.loads(payload)
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError("not the shape of this list's sort key")
        return [convert(value) for convert, value in zip(shape, values, strict=True)]
    except (TypeError, ValueError, RecursionError):  # JSONDecodeError and UnicodeError included
        raise refused() from None


def _verified(keys: tuple[bytes, ...], path: str, cursor: str) -> bytes:
    """The payload of a cursor one of ``keys`` signed for ``path``, else a 422."""
    body, dot, mac = cursor.partition(".")
    if len(cursor) > MAX_CURSOR_LENGTH or not dot or not cursor.isascii():
        raise refused()
    if not any(hmac.compare_digest(_mac(key, path, body), mac) for key in keys):
        raise refused()
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise refused() from None


@functools.lru_cache(maxsize=8)
def _keys(secrets: tuple[str, ...]) -> tuple[bytes, ...]:
    """One MAC key per accepted secret, the signing one first."""
    return tuple(hmac.new(s.encode(), _KEY_LABEL, hashlib.sha256).digest() for s in secrets)


def _mac(key: bytes, path: str, body: str) -> str:
    return _b64(hmac.new(key, f"{path}\n{body}".encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _plain(value: CursorValue) -> str | int:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if type(value) is int or type(value) is str:
        return value
    raise TypeError(f"a sort key value must be text, an integer, a UUID or a timestamp: {value!r}")
