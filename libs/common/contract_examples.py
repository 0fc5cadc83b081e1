"""An example request and response for every operation, composed from the schemas' own examples.

A partner reads an operation's example before its schema. Writing one by hand per operation
(127 of them, three documents) would drift from the schemas as fields change; composing it from
each field's ``examples`` (pydantic's ``Field(examples=[...])``) keeps one source. A field without
an example gets the first value its schema allows: its enum's first, its default, its minimum, a
fixed value per string format. tests/kernel/test_contract.py holds every composed example valid
against its schema.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_BY_FORMAT = {
    "uuid": "4f0c2a52-9a57-4c3e-8c39-0b6c4b7f7a10",
    "date": "2026-04-01",
    "date-time": "2026-04-01T10:00:00+09:00",
    "email": "taro.yamada@example.jp",
    "uri": "https://www.example.jp/",
    "binary": "",
}


class Composer:
    """Composes examples over one document's ``components/schemas``."""

    def __init__(self, schemas: dict[str, Schema]) -> None:
        self.schemas = schemas

    def example(self, schema: Schema, depth: int = 0) -> Any:
        if "$ref" in schema and not any(k in schema for k in ("examples", "example")):
            return self.example(self.schemas[schema["$ref"].rsplit("/", 1)[1]], depth)
        for key in ("examples", "example", "const", "enum"):
            if key in schema:
                value = schema[key]
                return value[0] if key in ("examples", "enum") else value
        if schema.get("default") is not None:
            return schema["default"]
        if "anyOf" in schema or "oneOf" in schema:
            alternatives = schema.get("anyOf") or schema["oneOf"]
            real = [a for a in alternatives if a.get("type") != "null"] or alternatives
            return self.example(real[0], depth)
        return self._by_type(schema, depth)

    def _by_type(self, schema: Schema, depth: int) -> Any:
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if depth > 6:  # a recursive schema: stop rather than loop
                return {}
            return {
                name: self.example(prop, depth + 1)
                for name, prop in schema.get("properties", {}).items()
            }
        if kind == "array":
            item = self.example(schema.get("items", {}), depth + 1)
            return [item] * max(1, schema.get("minItems", 1))
        if kind == "integer":
            return schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        if kind == "number":
            return schema.get("minimum", 1.0)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        if kind == "string":
            return _BY_FORMAT.get(schema.get("format", ""), "例" * schema.get("minLength", 1))
        return {}


def add_examples(document: dict[str, Any]) -> None:
    """Put an example on every JSON request body and successful JSON response lacking one."""
    composer = Composer(document.get("components", {}).get("schemas", {}))
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            bodies = [operation.get("requestBody", {}).get("content", {})]
            bodies += [
                response.get("content", {})
                for status, response in operation.get("responses", {}).items()
                if status.startswith("2")
            ]
            for content in bodies:
                media = content.get("application/json")
                if media and "schema" in media and not ({"example", "examples"} & set(media)):
                    media["examples"] = {"example": {"value": composer.example(media["schema"])}}
