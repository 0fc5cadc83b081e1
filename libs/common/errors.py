"""Typed domain errors and their one mapping to RFC 9457 ``application/problem+json``."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from asyncpg.exceptions import PostgresError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.types import Scope

from libs.common.outages import RETRY_AFTER_SECONDS, outage_of
from libs.common.settings import Settings, service_spec
from libs.common.validation_messages import japanese_first

PROBLEM_JSON = "application/problem+json"
PROBLEMS_PATH = "/problems"
log = structlog.get_logger(__name__)


def problem_base(settings: Settings) -> str:
    """Where a service's problem type pages are: its ``PUBLIC_BASE_URL``, else the address
    ``make run`` serves it at. Computed once per app (``app.state.problem_base``)."""
    public = settings.public_base_url.strip().rstrip("/")
    return public or f"http://127.0.0.1:{service_spec(settings.service).port}"


def problem_base_of(scope: Scope) -> str:
    """The problem base of the app answering ``scope``; an app not built by the kernel's factory
    (a test's) has none, and its problems name the address the request came to."""
    app = scope.get("app")
    base = getattr(getattr(app, "state", None), "problem_base", None)
    return str(base) if base else str(HTTPConnection(scope).base_url).rstrip("/")


def problem_type(base: str, slug: str) -> str:
    """The ``type`` URI of a problem: the page describing it (``GET /problems/{slug}``)."""
    return f"{base}{PROBLEMS_PATH}/{slug}"


class FieldProblem(BaseModel):
    """One invalid field: where it is, which rule it breaks, and a message for people."""

    field: str = Field(
        description="誤りのある場所: body / query / path / header / form と項目名"
        "（where: the part of the request and the field's path, dotted）",
        examples=["body.code"],
    )
    rule: str = Field(
        description="破った規則のコード。機械で判定するのはこちら"
        "（the rule broken: a stable code to branch on; every code is listed on the page of "
        "`/problems/validation`）",
        examples=["check_digit"],
    )
    message: str = Field(
        description="人が読む説明。日本語のあとに英語（for people: Japanese, then English）",
        examples=["地方公共団体コードのチェックデジットが誤っています（expected check digit 1）"],
    )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        default="about:blank",
        description="問題の種類を示す URI。開くと説明のページ（absolute URI naming the kind of "
        "problem; it opens a page describing it; compare on its last segment, which is stable "
        "across deployments）",
        examples=["http://127.0.0.1:8001/problems/validation"],
    )
    title: str = Field(
        description="問題の種類の短い説明（short summary of the kind of problem）",
        examples=["入力内容に誤りがあります"],
    )
    status: int = Field(description="HTTP ステータスコード（the HTTP status code）", examples=[422])
    detail: str | None = Field(
        default=None,
        description="この発生についての説明（what happened this time, for people）",
        examples=["code: 地方公共団体コードのチェックデジットが誤っています"],
    )
    instance: str | None = Field(
        default=None,
        description="問題が起きた要求のパス（the path of the request）",
        examples=["/v1/local-governments"],
    )
    errors: list[FieldProblem] | None = Field(
        default=None,
        description="項目ごとの誤り（422: each invalid field and the rule it breaks）",
    )

    model_config = {
        "extra": "allow",
        "json_schema_extra": {
            "description": "RFC 9457 problem details（問題の詳細）. Extension members beside "
            "the standard ones: `current_etag` (412/428: the ETag to send as If-Match), "
            "`event`, `state` and `allowed_events` (409 state_transition), `rule` (the code of "
            "a domain rule broken), `allowed` (the values accepted); others (a quota, a "
            "deadline, the ids involved) are named on each problem type's page, where `type` "
            "leads (`GET /problems/{slug}`)."
        },
    }


class DomainError(Exception):
    """Base of every error a service raises on purpose; the handler turns it into a problem."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "リクエストを処理できません"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    def to_problem(self, instance: str | None = None, *, base: str = "") -> dict[str, Any]:
        """The problem+json body; ``base`` makes ``type`` absolute (``problem_base``): every
        answer the server sends gives it (tests/kernel/test_problem_catalogue.py holds that)."""
        body = Problem(
            type=problem_type(base, self.slug),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        ).model_dump(exclude_none=True)
        body.update(self.extensions)
        return body


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "認証が必要です"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "この操作の権限がありません"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "見つかりません"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "現在の状態と競合しています"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "リソースが更新されています（ETag 不一致）"


class PreconditionRequired(DomainError):
    status, slug, title = 428, "precondition-required", "If-Match ヘッダーが必要です"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "この形式は受け付けられません"


class InvalidInput(DomainError):
    """422 for input that breaks a field rule; ``errors`` names each field and rule."""

    status, slug, title = 422, "validation", "入力内容に誤りがあります"

    @classmethod
    def field(cls, field: str, rule: str, message: str, **extensions: Any) -> InvalidInput:
        return cls(
            message, errors=[FieldProblem(field=field, rule=rule, message=message)], **extensions
        )


class RuleViolation(DomainError):
    """422 for input that is well formed but breaks a domain rule (a cap, a quota, a deadline)."""

    status, slug, title = 422, "rule-violation", "規則に反するため受け付けられません"

    def __init__(self, detail: str, *, rule: str, **extensions: Any) -> None:
        super().__init__(detail, rule=rule, **extensions)


class ServiceUnavailable(DomainError):
    """503: a dependency (the database, Redis, a service this one calls) did not answer; the
    client retries after ``Retry-After`` seconds."""

    status, slug, title = 503, "unavailable", "依存するサービスに接続できません"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any):
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        super().__init__(detail, headers={**retry, **(headers or {})}, **extensions)


class RequestBodyTooLarge(DomainError):
    """413 from the body limit (libs/common/limits.py), before or while the body is read."""

    status, slug, title = 413, "request-body-too-large", "Request Entity Too Large"


class InternalError(DomainError):
    """The 500 problem of :func:`unexpected_error`: its type and title; never raised."""

    status, slug, title = 500, "internal", "内部エラーが発生しました"


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _answer(request: Request, error: DomainError) -> JSONResponse:
    body = error.to_problem(request.url.path, base=problem_base_of(request.scope))
    return problem_response(error.status, body, error.headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return _answer(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(field=_field_name(err["loc"]), rule=err["type"], message=japanese_first(err))
        for err in exc.errors()
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return _answer(request, InvalidInput(detail, errors=problems))


# The router's own answers say only the status phrase ("Not Found"): Japanese first, as ours are.
_ROUTING_DETAILS = {
    404: "このパスにはリソースがありません",
    405: "このパスはこのメソッドを受け付けません",
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # The framework answers 400 only for a body it cannot parse (JSON that is not UTF-8, a
        # broken multipart form): invalid input, like malformed JSON, which is already a 422.
        message = f"本文を解釈できません（{exc.detail}）"
        return _answer(request, InvalidInput.field("body", "body_unparsable", message))
    if exc.status_code == RequestBodyTooLarge.status:  # the body limit, met while reading
        return _answer(request, RequestBodyTooLarge(str(exc.detail)))
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = str(exc.detail) if exc.detail else None
    if detail is not None and detail.isascii() and exc.status_code in _ROUTING_DETAILS:
        detail = f"{_ROUTING_DETAILS[exc.status_code]}（{detail}）"
    body = Problem(
        type="about:blank",
        title=title,
        status=exc.status_code,
        detail=detail,
        instance=request.url.path,
    ).model_dump(exclude_none=True)
    return problem_response(exc.status_code, body, dict(exc.headers or {}))


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    # Date arithmetic on an extreme input (0001-01-01T00:15+01:00 is year 0 in UTC; the next open
    # day after 9999-12-31 does not exist): the input is outside what the rules work with.
    message = "日付または数値が扱える範囲を超えています（value out of range）"
    return _answer(request, InvalidInput.field("request", "out_of_range", message))


# PostgreSQL's character_not_in_repertoire: text holding NUL (U+0000), which no text column stores.
_NUL_IN_TEXT = "22021"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A SQLAlchemy ``DBAPIError``, or the driver's own error from a read it ran itself
    (libs/common/driver_reads.py)."""
    if getattr(getattr(exc, "orig", exc), "sqlstate", None) == _NUL_IN_TEXT:
        message = "NUL 文字（U+0000）は使えません（text must not contain NUL）"
        return _answer(request, InvalidInput.field("request", "nul_character", message))
    return await _dependency_error(request, exc)


async def _dependency_error(request: Request, exc: Exception) -> JSONResponse:
    """A database or Redis that did not answer is a 503 to retry (libs/common/outages.py), logged
    in one line; any other error of the same types is a bug, a 500."""
    dependency = outage_of(exc)
    if dependency is None:
        return await unexpected_error(request, exc)
    log.warning(
        "dependency_unavailable",
        dependency=dependency,
        path=request.url.path,
        error=f"{type(exc).__name__}: {exc}",
    )
    detail = (
        f"{dependency} に一時的に接続できません。Retry-After 秒後に再試行してください"
        f"（{dependency} is unavailable for the moment; retry after Retry-After seconds）"
    )
    return _answer(request, ServiceUnavailable(detail, service=dependency))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The 500 problem. The trace goes to the log only; the client learns nothing about
    internals. Also answered by ``ObservabilityMiddleware`` for an error escaping the app, so the
    answer carries the request id and the server keeps the connection."""
    log.exception("unhandled_error", path=request.url.path)
    return _answer(
        request,
        InternalError(
            "エラーは記録されました。問い合わせの際は X-Request-ID ヘッダーの値を添えてください"
            "（the error was logged; quote the X-Request-ID header when reporting it）"
        ),
    )


# nginx's "client closed request": the metric and the access log say who ended the exchange.
CLIENT_CLOSED_REQUEST = 499


async def client_disconnected(request: Request, exc: Exception) -> Response:
    """The client went away while its body was read (a cancelled upload, a proxy that refused
    the request): nobody is left to answer, and nothing failed on our side, so no 500."""
    log.info("client_disconnected", path=request.url.path)
    return Response(status_code=CLIENT_CLOSED_REQUEST)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, client_disconnected)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PostgresError, _database_error)
    for outage in (OSError, RedisError, PoolTimeoutError):
        app.add_exception_handler(outage, _dependency_error)
    app.add_exception_handler(Exception, unexpected_error)


Responses = dict[int | str, dict[str, Any]]
"""What a route passes FastAPI as ``responses``: its documented answers by status."""


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for a problem+json answer."""
    return {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}


# Every route behind a token can answer these; a route documents only the problems of its own.
_COMMON_PROBLEMS: dict[int, str] = {
    401: "Missing or invalid bearer token",
    403: "The token's role may not do this",
    422: "Invalid input: each field and the rule it breaks",
    429: "Too many requests (rate limits, docs/operations.md): wait Retry-After seconds",
    503: "A dependency (the database, a service this one calls) is unavailable for the moment: "
    "retry after Retry-After seconds",
}
_PRECONDITION_PROBLEMS: dict[int, str] = {
    412: "If-Match names an older version: read the resource again",
    428: "If-Match is missing",
}


def problems(
    *,
    not_found: str | None = None,
    conflict: str | None = None,
    precondition: bool = False,
    unavailable: str | None = None,
    extra: Mapping[int, str] | None = None,
    success: Responses | None = None,
) -> Responses:
    """The ``responses`` of one route, so that the route states only what is its own.

    The common problems (401, 403, 422, 429, and 503 for a database blip) always come.
    ``not_found`` (404), ``conflict`` (409) and ``unavailable`` (503 in the route's words: a
    service this one calls did not answer) describe when the route gives them; ``precondition``
    adds 412 and 428 for a change guarded by ``If-Match``.
    ``extra`` documents any other problem by status, or the route's own wording of one above
    (it wins). ``success`` documents the successful answers (links, media types) as FastAPI
    takes them."""
    described: dict[int, str] = dict(_COMMON_PROBLEMS)
    named = {404: not_found, 409: conflict, 503: unavailable}
    described.update({status: text for status, text in named.items() if text is not None})
    if precondition:
        described.update(_PRECONDITION_PROBLEMS)
    described.update(extra or {})
    responses: Responses = {status: problem_doc(text) for status, text in described.items()}
    responses.update(success or {})
    return responses
