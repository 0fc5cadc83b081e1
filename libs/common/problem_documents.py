"""The JSON of the problem type pages (``Accept: application/json``), as the contract shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from libs.common.errors import problem_type
from libs.common.problem_catalogue import ProblemType, problem_catalogue

Schema = dict[str, Any]


# The kernel names no service: an example list of services is read from the registered catalogue
# when the schema is written (the services register it on import, before any app is built).
def _services_of_type(slug: str) -> Callable[[Schema], None]:
    def example(schema: Schema) -> None:
        found = problem_catalogue().type_of(slug)
        schema["examples"] = [list(found.services)] if found else []

    return example


def _services_of_rule(code: str) -> Callable[[Schema], None]:
    def example(schema: Schema) -> None:
        found = [r for r in problem_catalogue().rule_codes if r.code == code]
        schema["examples"] = [list(found[0].services)] if found else []

    return example


class ProblemTypeSummary(BaseModel):
    """問題の種類（one problem type, as the index lists it）."""

    type: str = Field(
        description="問題の `type` に入る URI。このページの URL"
        "（the absolute URI a problem's `type` gives: this description's address）",
        examples=["http://127.0.0.1:8001/problems/validation"],
    )
    slug: str = Field(
        description="URI の最後の部分。分岐に使う安定した名前"
        "（the URI's last segment: the stable name to branch on）",
        examples=["validation"],
    )
    status: int = Field(description="HTTP ステータスコード（the HTTP status）", examples=[422])
    title: str = Field(
        description="問題の `title`（the `title` the problem carries）",
        examples=["入力内容に誤りがあります"],
    )
    title_en: str = Field(
        description="title の英語（the title in English）", examples=["Invalid input"]
    )


class RuleCodeDescription(BaseModel):
    """規則のコード（a rule code and what it means）."""

    code: str = Field(description="規則のコード（the code）", examples=["check_digit"])
    meaning: str = Field(
        description="意味。日本語のあとに英語（what it means: Japanese, then English）",
        examples=[
            "地方公共団体コードのチェックデジットが合わない"
            "（the check digit of a local government code is wrong）"
        ],
    )
    services: list[str] = Field(
        description="このコードを返すサービス（the services that send it）",
        json_schema_extra=_services_of_rule("check_digit"),
    )


class ExtensionMemberDescription(BaseModel):
    """拡張メンバー（a member beside RFC 9457's own, and what it holds）."""

    name: str = Field(description="メンバー名（the member's name）", examples=["current_etag"])
    meaning: str = Field(
        description="意味。日本語のあとに英語（what it holds: Japanese, then English）",
        examples=["現在の ETag（the current ETag: send it as If-Match after reading again）"],
    )


class FrameworkRuleCodes(BaseModel):
    """検証ライブラリ自身のコード（the validation library's own codes, as a group）."""

    meaning: str = Field(
        description="どのようなコードか（what these codes are）",
        examples=["pydantic の検証エラーの種類（pydantic's own validation error types）"],
    )
    reference: str = Field(
        description="一覧の URL（where the library lists them）",
        examples=["https://docs.pydantic.dev/latest/errors/validation_errors/"],
    )


class ProblemTypeDescription(ProblemTypeSummary):
    """問題の種類の説明（one problem type: when it happens, what to do, what it carries）."""

    when: str = Field(
        description="いつ起きるか（when it happens）",
        examples=["入力が項目の規則に反するとき（when the input breaks a field's rule）"],
    )
    what_to_do: str = Field(
        description="クライアントがすべきこと（what the client should do）",
        examples=["errors を直して送り直す（fix each field in errors and send again）"],
    )
    services: list[str] = Field(
        description="この問題を返すサービス（the services that answer with it）",
        json_schema_extra=_services_of_type("validation"),
    )
    extension_members: list[ExtensionMemberDescription] = Field(
        description="この問題が持ちうる拡張メンバー（the extension members it may carry）"
    )
    rule_codes: list[RuleCodeDescription] = Field(
        description="この問題の `errors[].rule` または `rule` のコード"
        "（the codes its `errors[].rule` or `rule` member may give）"
    )
    framework_rule_codes: FrameworkRuleCodes | None = Field(
        description="`errors[].rule` に入りうる検証ライブラリ自身のコード（422 validation only）"
        "（the validation library's own codes `errors[].rule` may give）"
    )


class ProblemTypeIndex(BaseModel):
    """問題の種類の一覧（every problem type this API answers with）."""

    problem_types: list[ProblemTypeSummary] = Field(
        description="問題の種類（the problem types, by status）"
    )


def summary(problem: ProblemType, base: str) -> ProblemTypeSummary:
    return ProblemTypeSummary(
        type=problem_type(base, problem.slug),
        slug=problem.slug,
        status=problem.status,
        title=problem.title,
        title_en=problem.title_en,
    )
