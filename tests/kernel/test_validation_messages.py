"""FastAPI's and pydantic's own validation messages, Japanese first
(libs/common/validation_messages.py), checked against what pydantic really emits for the kinds of
input our schemas take."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from libs.common.errors import install_problem_handlers
from libs.common.validation_messages import _JAPANESE, FALLBACK, PYDANTIC_TYPES, japanese_first

pytestmark = pytest.mark.unit


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=5)
    code: str = Field(default="aa", pattern=r"^[a-z]+$")
    count: int = Field(default=1, ge=1, le=200)
    strict: StrictInt = Field(default=1, gt=0, lt=10)
    ratio: float = 0.0
    flag: bool = False
    when: date = date(2021, 8, 24)
    at: datetime = datetime(2021, 8, 24)
    ident: uuid.UUID = uuid.UUID(int=0)
    colour: Colour = Colour.red
    kind: Literal["a", "b"] = "a"
    tags: list[str] = Field(default_factory=lambda: ["x"], min_length=1, max_length=2)


# (input, the error type pydantic gives for it): the kinds of mistake a JSON body or a query
# string of ours can make.
CASES: list[tuple[dict[str, Any], str]] = [
    ({}, "missing"),
    ({"name": "a", "other": 1}, "extra_forbidden"),
    ({"name": ""}, "string_too_short"),
    ({"name": "abcdef"}, "string_too_long"),
    ({"name": 1}, "string_type"),
    ({"name": "a", "code": "AB"}, "string_pattern_mismatch"),
    ({"name": "a", "count": 0}, "greater_than_equal"),
    ({"name": "a", "count": 201}, "less_than_equal"),
    ({"name": "a", "strict": 0}, "greater_than"),
    ({"name": "a", "strict": 10}, "less_than"),
    ({"name": "a", "count": "x"}, "int_parsing"),
    ({"name": "a", "count": 1.5}, "int_from_float"),
    ({"name": "a", "strict": "1"}, "int_type"),
    ({"name": "a", "ratio": "x"}, "float_parsing"),
    ({"name": "a", "flag": "perhaps"}, "bool_parsing"),
    ({"name": "a", "when": "2021-13-01"}, "date_from_datetime_parsing"),
    ({"name": "a", "at": "yesterday"}, "datetime_from_date_parsing"),
    ({"name": "a", "ident": "x"}, "uuid_parsing"),
    ({"name": "a", "colour": "green"}, "enum"),
    ({"name": "a", "kind": "c"}, "literal_error"),
    ({"name": "a", "tags": []}, "too_short"),
    ({"name": "a", "tags": ["1", "2", "3"]}, "too_long"),
    ({"name": "a", "tags": "x"}, "list_type"),
]


def _error_of(data: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        Item.model_validate(data)
    error: dict[str, Any] = caught.value.errors()[0]
    return error


def test_every_translated_type_is_one_pydantic_emits() -> None:
    assert set(_JAPANESE) <= PYDANTIC_TYPES


@pytest.mark.parametrize(("data", "kind"), CASES, ids=[kind for _, kind in CASES])
def test_each_kind_of_mistake_reads_japanese_first_with_the_english_after(
    data: dict[str, Any], kind: str
) -> None:
    error = _error_of(data)
    assert error["type"] == kind
    message = japanese_first(error)
    assert kind in _JAPANESE
    assert not message.split("（")[0].isascii(), message  # Japanese before the English
    assert message.endswith(f"（{error['msg']}）"), message
    assert "{" not in message.split("（")[0], message  # every placeholder filled in


def test_limits_and_choices_are_named() -> None:
    assert japanese_first(_error_of({"name": "a", "count": 201})).startswith("200 以下の値")
    assert japanese_first(_error_of({"name": "abcdef"})).startswith("5文字以下")
    assert japanese_first(_error_of({"name": "a", "tags": []})).startswith("1件以上")
    assert "'red' or 'blue'" in japanese_first(_error_of({"name": "a", "colour": "green"}))


def test_our_own_messages_pass_and_strangers_fall_back_to_a_japanese_prefix() -> None:
    ours = {"type": "fiscal_year", "msg": "年度を解釈できません（not a fiscal year）"}
    assert japanese_first(ours) == ours["msg"]
    japanese_value_error = {"type": "value_error", "msg": "Value error, 日時が範囲外です（…）"}
    assert japanese_first(japanese_value_error) == "日時が範囲外です（…）"
    english_value_error = {"type": "value_error", "msg": "Value error, not an address"}
    assert japanese_first(english_value_error) == f"{FALLBACK}（Value error, not an address）"
    unknown = {"type": "some_future_type", "msg": "Something went wrong"}
    assert japanese_first(unknown) == f"{FALLBACK}（Something went wrong）"


def test_the_problem_handler_answers_them_for_bodies_queries_and_broken_json() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/items")
    async def create(item: Item, limit: Annotated[int, Query(le=200)] = 50) -> dict[str, str]:
        return {"name": item.name}

    client = TestClient(app)
    response = client.post("/items?limit=999", json={"name": ""})
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["query.limit"]["rule"] == "less_than_equal"
    assert errors["query.limit"]["message"].startswith("200 以下の値にしてください")
    assert errors["body.name"]["message"].startswith("1文字以上にしてください")
    assert "200 以下の値にしてください" in response.json()["detail"]
    broken = client.post("/items", content=b"{", headers={"content-type": "application/json"})
    [error] = broken.json()["errors"]
    assert error["rule"] == "json_invalid"
    assert error["message"].startswith("JSON として解釈できません（")
    missing = client.post("/items")
    assert missing.json()["errors"][0]["message"].startswith("必須の項目です（")
