"""A field of a change (PATCH) that may be left out but not set to null.

In a PATCH body an absent field means "leave it unchanged". For a value every record must have
(a contact's name, a symposium's theme), ``null`` is not a way to clear it: the contract must not
say it is accepted (a generated client would offer ``None``), and the server must refuse it with
the field and the rule. ``Omittable[str]`` does both: the schema is the value's own, without the
``null`` alternative ``str | None`` would write, and an explicit ``null`` is a 422 ``not_null``.
Python still sees ``str | None`` (``None`` is the "left out" default).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

T = TypeVar("T")


def _refuse_null(value: Any) -> Any:
    # Runs only for a value the body gave: a field left out keeps its default without it.
    if value is None:
        raise PydanticCustomError(
            "not_null",
            "省略はできますが null は指定できません（omit the field to leave it unchanged; "
            "null is not accepted）",
        )
    return value


class _WithoutNull:
    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        alternatives = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
        if len(alternatives) == 1 and "anyOf" in schema:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**alternatives[0], **rest}
        return schema


Omittable = Annotated[T | None, BeforeValidator(_refuse_null), _WithoutNull()]
