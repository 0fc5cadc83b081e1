"""A vocabulary (a ``Literal``) as one named component of the contract.

pydantic writes a ``Literal`` inline wherever a field uses it, so a generated client gets a new
anonymous type per field (a dozen incompatible "format" types). A ``StrEnum`` would become a
component, but it changes what the code holds (enum members, not strings) in every layer that
reads the field. This annotation keeps the ``Literal`` and its plain strings, and gives its core
schema a reference: pydantic then writes it once under ``components/schemas/<name>`` and
``$ref``s it from every field, parameter and list.
"""

from __future__ import annotations

from typing import Annotated, Any, cast, get_args, get_origin

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema


class Named:
    """``Annotated[Literal[...], Named("SymposiumFormat", "開催形式（…）")]``.

    ``enum`` documents the values of a plain ``str`` field that a service checks itself, with a
    more precise 422 than pydantic's (a campaign's audience depends on its kind)."""

    def __init__(self, name: str, description: str, *, enum: list[str] | None = None) -> None:
        self.name = name
        self.description = description
        self.enum = enum

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        # A plain dict: every kind of core schema takes `ref` and `metadata`, which the union
        # type CoreSchema does not let mypy see.
        schema: dict[str, Any] = dict(handler(source))
        # The reference is the component's name: the contract test holds names unique.
        schema["ref"] = self.name
        metadata = schema.setdefault("metadata", {})
        updates: dict[str, Any] = {"title": self.name, "description": self.description}
        if self.enum is not None:
            updates["enum"] = self.enum
        metadata["pydantic_js_updates"] = updates
        return cast(CoreSchema, schema)


def literal_values(vocabulary: Any) -> tuple[str, ...]:
    """The values of a ``Literal``, named or not (``get_args`` of a named one gives its parts)."""
    args = get_args(vocabulary)
    if args and get_origin(vocabulary) is Annotated:
        return literal_values(args[0])
    return tuple(args)
