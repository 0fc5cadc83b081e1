"""One API shape, read from the contract of all three services: every list is a page
``{items, next}`` that takes ``limit`` and ``cursor``, and no operation answers a bare array.

The OpenAPI documents are what partners build against, so the rule is checked there: a list
added later in any service, in any shape but the kernel's ``Page``, fails here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from services.catalogue import SERVICE_NAMES
from services.runtime import openapi_document

pytestmark = pytest.mark.unit

Operation = tuple[str, str, dict[str, Any]]


@functools.cache
def _document(service: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_document(service))  # type: ignore[arg-type]
    return document


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _branches(document: dict[str, Any], schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The object schemas a response may be (each branch of an anyOf/oneOf)."""
    schema = _resolve(document, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        for branch in alternatives:
            yield from _branches(document, branch)
    else:
        yield schema


def _json_answers(service: str) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(``GET path``, operation, one shape of its 200 JSON answer) for every GET."""
    document = _document(service)
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema:
            for branch in _branches(document, schema):
                yield f"GET {path}", operation, branch


def _is_list(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    items = schema.get("properties", {}).get("items")
    return schema.get("type") == "array" or (
        items is not None and _resolve(document, items).get("type") == "array"
    )


def _query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_no_operation_answers_a_bare_array(service: str) -> None:
    bare = [where for where, _, shape in _json_answers(service) if shape.get("type") == "array"]
    assert bare == [], f"lists must be pages {{items, next}}: {bare}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_list_is_a_page_with_limit_and_cursor(service: str) -> None:
    document = _document(service)
    lists = [(w, op, s) for w, op, s in _json_answers(service) if _is_list(document, s)]
    assert lists, "every service has lists"
    for where, operation, shape in lists:
        properties = shape.get("properties", {})
        assert {"items", "next"} <= set(properties), f"{where}: {sorted(properties)}"
        next_types = {
            branch.get("type") for branch in properties["next"].get("anyOf", [properties["next"]])
        }
        assert next_types == {"string", "null"}, f"{where}: next is {properties['next']}"
        assert {"limit", "cursor"} <= _query_names(operation), f"{where} is not paginated"


def test_the_selections_of_a_round_are_a_page() -> None:
    """The list the issue found as a bare array."""
    document = _document("review")
    operation = document["paths"]["/v1/joint-review-rounds/{round_id}/selections"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(_resolve(document, schema)["properties"]) == {"items", "next"}
    assert {"limit", "cursor", "programme"} <= _query_names(operation)
