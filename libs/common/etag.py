"""Optimistic concurrency over HTTP: ``ETag`` on every mutable resource, ``If-Match`` to change it.

An ETag names one representation (RFC 9110 §8.8.3). A resource every caller sees whole may take
``etag_for`` (kind, key, version): its version moves exactly when its representation does. A
resource whose shape depends on the caller (a partner's contact without the address, the public
symposium without the join URL) must take ``representation_etag``: a digest of the body that
caller receives, so a change to a field hidden from the caller leaves the caller's ETag alone —
a version would move and reveal it — and two shapes never share an ETag. A writer sends the ETag
of the representation it read; ``check_if_match`` compares strongly, so another shape's ETag or a
weak one is a 412.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from libs.common.errors import PreconditionFailed, PreconditionRequired

IfMatch = Annotated[
    str | None,
    Header(
        description="最後に読んだときの ETag。変更に必要（the ETag of your last read of the "
        "resource: required to change it; 412 if it changed since）"
    ),
]


def etag_for(kind: str, key: object, version: int) -> str:
    return f'"{kind}-{key}-v{version}"'


def representation_etag(
    kind: str, key: object, representation: BaseModel | Mapping[str, Any]
) -> str:
    """Strong ETag of exactly what the caller receives: kind, key and a digest of its JSON."""
    body = (
        representation.model_dump(mode="json")
        if isinstance(representation, BaseModel)
        else representation
    )
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f'"{kind}-{key}-{digest}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """428 without ``If-Match``; 412 when it names another version (``*`` matches any)."""
    if if_match is None:
        raise PreconditionRequired(
            "If-Match ヘッダーに、このリソースを最後に読んだときの ETag を指定してください"
            "（send If-Match with the ETag from your last read of this resource）",
            current_etag=current,
        )
    # Strong comparison (RFC 9110 §13.1.1): a weak tag matches nothing.
    candidates = {c.strip() for c in if_match.split(",")}
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(
            "読んだ後にこのリソースが変更されています。読み直してから再試行してください"
            "（the resource changed since you read it; read it again and retry）",
            current_etag=current,
        )
