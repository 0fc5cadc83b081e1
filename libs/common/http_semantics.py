"""HTTP as RFC 9110/9111 say, for every route: ``Allow``, 405/406/415, 304 and private caching.

The router knows one route at a time, so by itself it answers a wrong method with the methods of
the first route it tried (``Allow: GET`` for a path that also takes PATCH) and a PATCH to a fixed
path under an ``{id}`` route (``/v1/projects/stats``) with "path.project_id: not a valid UUID".
The contract knows every path template and what each operation takes and answers, so these
answers are computed from it (:class:`Operations`), once per app:

- 405 names, in ``Allow``, every method of the path (a fixed path's own, not its ``{id}``
  sibling's); HEAD comes with GET;
- a body whose ``Content-Type`` the operation does not take is 415 (not a 422 about the body);
- an ``Accept`` that none of the operation's answers satisfies is 406;
- a GET whose ``If-None-Match`` names the current ``ETag`` is 304 without a body (weak
  comparison, RFC 9110 §13.1.2);
- an answer to a request carrying ``Authorization`` is ``Cache-Control: private, no-store`` and
  ``Vary: Authorization`` unless the route says otherwise: what a token may read (a contact's
  address, a reviewer's scores) is never kept by a shared cache, nor by a browser's.

``Accept`` is parsed here (a few lines: media ranges with ``q``) because nothing the kernel
already depends on parses it, and the rule needed is small.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.common.errors import (
    DomainError,
    Problem,
    UnsupportedMediaType,
    problem_base_of,
    problem_response,
)

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")
Handler = Callable[[Request, Exception], Awaitable[Response]]


class NotAcceptable(DomainError):
    status, slug, title = 406, "not-acceptable", "要求された形式では応答できません"


@dataclass
class _Template:
    pattern: re.Pattern[str]
    literals: int
    # method → (request body media types, successful answer media types)
    operations: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)


class Operations:
    """The app's operations by path template, read from its OpenAPI document."""

    def __init__(self, app: FastAPI) -> None:
        self.templates: dict[str, _Template] = {}
        for path, item in app.openapi()["paths"].items():
            segments = path.strip("/").split("/")
            regex = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
            template = _Template(
                re.compile(f"^/{regex}$"), sum(not s.startswith("{") for s in segments)
            )
            for method in METHODS:
                operation = item.get(method.lower())
                if operation is None:
                    continue
                takes = set(operation.get("requestBody", {}).get("content", {}))
                answers = {
                    media
                    for status, response in operation["responses"].items()
                    if status.startswith("2")
                    for media in response.get("content", {"application/json": {}})
                }
                template.operations[method] = (takes, answers or {"application/json"})
            self.templates[path] = template

    def allowed(self, path: str) -> list[str]:
        """The methods of the most specific templates matching ``path`` (fixed before ``{id}``)."""
        matching = [t for t in self.templates.values() if t.pattern.match(path)]
        if not matching:
            return []
        best = max(t.literals for t in matching)
        methods = {m for t in matching if t.literals == best for m in t.operations}
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def operation(self, template: str, method: str) -> tuple[set[str], set[str]] | None:
        found = self.templates.get(template)
        return found.operations.get(method) if found else None


def _operations(app: Any) -> Operations:
    if getattr(app.state, "operations", None) is None:
        app.state.operations = Operations(app)
    operations: Operations = app.state.operations
    return operations


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _ranges(accept: str) -> Iterator[tuple[str, str]]:
    """The media ranges ``accept`` admits (``q`` above 0), as (type, subtype)."""
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            if float(q) <= 0:
                continue
        except ValueError:
            continue
        kind, _, sub = media.lower().partition("/")
        yield kind, sub


def acceptable(accept: str, offered: set[str]) -> bool:
    """Whether one of ``offered`` satisfies ``accept`` (media ranges, ``q=0`` refusing)."""
    for kind, sub in _ranges(accept):
        for candidate in offered:
            c_kind, _, c_sub = candidate.partition("/")
            if kind == "*" or (kind == c_kind and sub in ("*", c_sub)):
                return True
    return False


def admits_anything(accept: str) -> bool:
    """Whether ``accept`` takes any media type (``*/*``, as curl, httpx and browsers send):
    every operation answers in something, so nothing need be looked up."""
    return any(kind == "*" for kind, _ in _ranges(accept))


async def check_accept(request: Request) -> None:
    """App-wide dependency: 406 when the operation answers in nothing ``Accept`` allows."""
    accept = request.headers.get("accept")
    route = request.scope.get("route")
    # `*/*` needs no table of operations: building it (from the whole OpenAPI document) was
    # most of an API's first answer, its first readiness probe included.
    if not accept or route is None or admits_anything(accept):
        return
    found = _operations(request.app).operation(getattr(route, "path", ""), request.method)
    if found is not None and not acceptable(accept, found[1]):
        offered = ", ".join(sorted(found[1]))
        raise NotAcceptable(
            f"Accept に応じられる形式がありません（this operation answers in: {offered}）",
            offered=sorted(found[1]),
        )


def _method_not_allowed(request: Request, allowed: list[str]) -> Response:
    body = Problem(
        title="Method Not Allowed",
        status=405,
        detail="このパスはこのメソッドを受け付けません"
        f"（{request.method} is not allowed here; allowed: {', '.join(allowed)}）",
        instance=request.url.path,
    ).model_dump(exclude_none=True)
    return problem_response(405, body, {"Allow": ", ".join(allowed)})


def install(app: FastAPI) -> None:
    """Answer 405 with the path's methods, and turn the router's and the body parser's wrong
    answers into 405 and 415. Call after ``install_problem_handlers``."""
    previous_http = cast(Handler, app.exception_handlers[StarletteHTTPException])
    validation = cast(Handler, app.exception_handlers[RequestValidationError])

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        allowed = _operations(request.app).allowed(request.url.path)
        return (
            _method_not_allowed(request, allowed) if allowed else await previous_http(request, exc)
        )

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        operations = _operations(request.app)
        errors = exc.errors()
        if errors and all(e["loc"][0] == "path" for e in errors):
            allowed = operations.allowed(request.url.path)
            if allowed and request.method not in allowed:
                return _method_not_allowed(request, allowed)
        route = request.scope.get("route")
        found = operations.operation(getattr(route, "path", ""), request.method)
        sent = request.headers.get("content-type")
        if sent and found and found[0] and _media(sent) not in found[0]:
            takes = ", ".join(sorted(found[0]))
            problem = UnsupportedMediaType(
                f"この Content-Type は受け付けられません（{_media(sent)}; this operation takes: "
                f"{takes}）",
                accepted=sorted(found[0]),
            )
            # RFC 9110 §15.5.16: say which types the method takes (Accept-Post, RFC 7694's
            # Accept-Patch for PATCH).
            header = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}.get(request.method)
            headers = {header: takes} if header else {}
            return problem_response(
                415,
                problem.to_problem(request.url.path, base=problem_base_of(request.scope)),
                headers,
            )
        return await validation(request, exc)

    app.add_exception_handler(405, method_not_allowed)
    app.add_exception_handler(RequestValidationError, invalid_request)


class ConditionalAndPrivate:
    """304 for a GET whose If-None-Match names the answer's ETag; private answers to a token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        private = b"authorization" in headers
        if_none_match = (
            headers.get(b"if-none-match") if scope["method"] in ("GET", "HEAD") else None
        )
        not_modified = False

        async def respond(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                names = {k.lower() for k, _ in out}
                if private and b"cache-control" not in names:
                    out.append((b"cache-control", b"private, no-store"))
                if private:
                    out.append((b"vary", b"Authorization"))
                etag = next((v for k, v in out if k.lower() == b"etag"), None)
                if (
                    if_none_match
                    and etag
                    and message["status"] == 200
                    and _matches(if_none_match, etag)
                ):
                    not_modified = True
                    kept = [(k, v) for k, v in out if k.lower() not in _BODY_HEADERS]
                    message = {**message, "status": 304, "headers": kept}
                else:
                    message = {**message, "headers": out}
            elif not_modified and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, respond)


_BODY_HEADERS = {b"content-type", b"content-length", b"content-disposition"}


def _opaque(tag: bytes) -> bytes:
    return tag.strip().removeprefix(b"W/")


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"x"`` and ``"x"`` name the same version."""
    candidates = [c for c in if_none_match.split(b",") if c.strip()]
    return any(c.strip() == b"*" or _opaque(c) == _opaque(etag) for c in candidates)
