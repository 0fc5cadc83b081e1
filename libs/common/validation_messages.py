"""入力エラーの日本語 — FastAPI's and pydantic's own validation messages, Japanese first.

Every message a person reads is Japanese first, and a 422 from the framework is no exception:
``Input should be less than or equal to 200`` becomes
``200 以下の値にしてください（Input should be less than or equal to 200）``. The translation is
keyed by pydantic's error ``type`` (which the problem also gives as ``rule``) and fills in the
error's ``ctx`` (the limit, the expected values); the English stays after it, in brackets, for
partners' developers and for searching pydantic's documentation.

- Types pydantic v2 emits for input our schemas can meet (JSON bodies, query strings, path
  parameters) are all in ``_JAPANESE``; ``tests/kernel/test_validation_messages.py`` holds the
  list against pydantic's own.
- Our own error types (``PydanticCustomError("fiscal_year", …)``, ``unknown_parameter``) are
  already written Japanese first and pass unchanged; so does a ``value_error`` whose text is
  (a validator of ours raising ``ValueError("日時が範囲外です（…）")``).
- Anything else — a pydantic type we have not met, a library's English ``ValueError`` — is
  ``入力が不正です（<English>）``: Japanese first still, the cause kept.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

import pydantic_core.core_schema

FALLBACK = "入力が不正です"
PYDANTIC_TYPES: frozenset[str] = frozenset(typing.get_args(pydantic_core.core_schema.ErrorType))

_VALUE = "値"
_JAPANESE: dict[str, str] = {
    # presence and shape
    "missing": "必須の項目です",
    "extra_forbidden": "この項目は受け付けていません",
    "json_invalid": "JSON として解釈できません",
    "json_type": "JSON の文字列である必要があります",
    "model_type": "オブジェクト（{{...}}）である必要があります",
    "model_attributes_type": "オブジェクト（{{...}}）である必要があります",
    "dict_type": "オブジェクト（{{...}}）である必要があります",
    "mapping_type": "オブジェクト（{{...}}）である必要があります",
    "list_type": "配列（[...]）である必要があります",
    "tuple_type": "配列（[...]）である必要があります",
    "set_type": "配列（[...]）である必要があります",
    "frozen_set_type": "配列（[...]）である必要があります",
    "iterable_type": "配列（[...]）である必要があります",
    "none_required": "null である必要があります",
    "too_short": "{min_length}件以上必要です",
    "too_long": "{max_length}件以下にしてください",
    "union_tag_invalid": "{discriminator} は {expected_tags} のいずれかにしてください",
    "union_tag_not_found": "{discriminator} を指定してください",
    "recursion_loop": "入れ子が深すぎるか循環しています",
    "frozen_field": "この項目は変更できません",
    "no_such_attribute": "この項目はありません",
    "is_instance_of": "この型の値は受け付けていません",
    # text
    "string_type": "文字列である必要があります",
    "string_unicode": "文字列（UTF-8）である必要があります",
    "string_too_short": "{min_length}文字以上にしてください",
    "string_too_long": "{max_length}文字以下にしてください",
    "string_pattern_mismatch": "形式が正しくありません（パターン {pattern}）",
    "string_not_ascii": "半角英数字・記号（ASCII）だけにしてください",
    "bytes_type": "バイト列である必要があります",
    "bytes_too_short": "{min_length}バイト以上にしてください",
    "bytes_too_long": "{max_length}バイト以下にしてください",
    "bytes_invalid_encoding": "符号化が正しくありません",
    # numbers
    "int_type": "整数である必要があります",
    "int_parsing": "整数として解釈できません",
    "int_parsing_size": "整数が大きすぎます",
    "int_from_float": "小数部のない整数にしてください",
    "float_type": "数値である必要があります",
    "float_parsing": "数値として解釈できません",
    "finite_number": "有限の数値にしてください",
    "greater_than": "{gt} より大きい値にしてください",
    "greater_than_equal": "{ge} 以上の値にしてください",
    "less_than": "{lt} より小さい値にしてください",
    "less_than_equal": "{le} 以下の値にしてください",
    "multiple_of": "{multiple_of} の倍数にしてください",
    "decimal_type": "数値である必要があります",
    "decimal_parsing": "数値として解釈できません",
    "decimal_max_digits": "桁数は{max_digits}桁までです",
    "decimal_max_places": "小数点以下は{decimal_places}桁までです",
    "decimal_whole_digits": "整数部は{whole_digits}桁までです",
    # choices and booleans
    "bool_type": "真偽値（true / false）である必要があります",
    "bool_parsing": "真偽値（true / false）として解釈できません",
    "enum": "{expected} のいずれかにしてください",
    "literal_error": "{expected} のいずれかにしてください",
    # dates and times
    "date_type": "日付である必要があります",
    "date_parsing": "日付として解釈できません（例: 2021-08-24）",
    "date_from_datetime_parsing": "日付として解釈できません（例: 2021-08-24）",
    "date_from_datetime_inexact": "時刻を含まない日付にしてください",
    "date_past": "過去の日付にしてください",
    "date_future": "将来の日付にしてください",
    "time_type": "時刻である必要があります",
    "time_parsing": "時刻として解釈できません（例: 17:00）",
    "datetime_type": "日時である必要があります",
    "datetime_parsing": "日時として解釈できません（例: 2021-08-24T17:00:00+09:00）",
    "datetime_from_date_parsing": "日時として解釈できません（例: 2021-08-24T17:00:00+09:00）",
    "datetime_object_invalid": "日時が正しくありません",
    "datetime_past": "過去の日時にしてください",
    "datetime_future": "将来の日時にしてください",
    "timezone_naive": "時差（+09:00 など）を付けないでください",
    "timezone_aware": "時差（+09:00 など）を付けてください",
    "timezone_offset": "時差が正しくありません",
    "time_delta_type": "期間である必要があります",
    "time_delta_parsing": "期間として解釈できません",
    # identifiers and addresses
    "uuid_type": "UUID である必要があります",
    "uuid_parsing": "UUID として解釈できません",
    "uuid_version": "UUID の版が正しくありません",
    "url_type": "URL である必要があります",
    "url_parsing": "URL として解釈できません",
    "url_syntax_violation": "URL の書式が正しくありません",
    "url_too_long": "URL は{max_length}文字以下にしてください",
    "url_scheme": "URL のスキームは {expected_schemes} にしてください",
}
"""pydantic error type → Japanese, formatted with the error's ``ctx``."""


class _Context(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return _VALUE  # a template names a ctx value pydantic did not give: still a sentence


def _is_japanese(text: str) -> bool:
    return not text.isascii()


def japanese_first(error: Mapping[str, Any]) -> str:
    """The message of one pydantic/FastAPI error (``RequestValidationError.errors()`` item),
    Japanese first with the English kept after it."""
    kind = str(error.get("type", ""))
    english = str(error.get("msg", ""))
    template = _JAPANESE.get(kind)
    if template is not None:
        return f"{template.format_map(_Context(error.get('ctx') or {}))}（{english}）"
    if kind in ("value_error", "assertion_error"):
        # "Value error, <the validator's text>": ours are Japanese first already.
        text = english.split(", ", 1)[1] if ", " in english else english
        return text if _is_japanese(text) else f"{FALLBACK}（{english}）"
    if kind not in PYDANTIC_TYPES and _is_japanese(english):
        return english  # our own error types are written Japanese first
    return f"{FALLBACK}（{english}）"
