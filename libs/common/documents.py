"""Reads answered as documents: one statement whose rows carry the response's fields (related
rows aggregated as JSON in the same row), mapped straight into dicts and serialised once.

The route keeps its ``response_model`` for the OpenAPI document; the answer is byte for byte
what that model gives, since ``pydantic_core.to_json`` is the serializer the model would use and
the stored values are valid already. What a model would convert (a time zone, a JSON column's
key order) the room's document function converts itself; tests hold the two equal.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json
from sqlalchemy import JSON, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by


def json_rows(fields: dict[str, Any], order_by: Any) -> Any:
    """``json_agg(json_build_object(name, value, …) ORDER BY …)``; ``[]`` when there is no row."""
    pairs: list[Any] = []
    for name, value in fields.items():
        pairs += [literal_column(f"'{name}'"), value]
    rows = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), order_by))
    return func.coalesce(rows, literal_column("'[]'::json"), type_=JSON)


def document_response(content: Any, headers: dict[str, str] | None = None) -> Response:
    """``content`` serialised once, as the declared response model would serialise it."""
    return Response(to_json(content), media_type="application/json", headers=headers)
