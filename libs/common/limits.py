"""Request body size limit: a body over ``MAX_BODY_BYTES`` is refused with 413 problem+json.

A declared ``Content-Length`` over the limit is refused before the app reads anything; a chunked
body is counted as it arrives and refused the moment it passes the limit, so no handler ever holds
more than the limit in memory. File uploads (CSV imports) name their own, larger limit by path.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.common.errors import RequestBodyTooLarge, problem_base_of, problem_response

STATUS = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def _detail(limit: int) -> str:
    return f"リクエストの本文が上限（{limit} バイト）を超えています（request body too large）"


class BodyLimitMiddleware:
    """Pure ASGI middleware; place it inside the request-id and metrics middleware."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, by_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.by_path = dict(by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            refusal = RequestBodyTooLarge(_detail(limit))
            body = refusal.to_problem(scope["path"], base=problem_base_of(scope))
            await problem_response(STATUS.value, body)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the handler's body read: FastAPI re-raises HTTPException and
                    # the problem handler answers it like any other.
                    raise HTTPException(STATUS.value, detail=_detail(limit))
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
