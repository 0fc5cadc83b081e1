"""Fast paths: the most requested reads answered beside FastAPI's routing and dependency solving.

A one-row read (``GET /v1/projects/{id}``) spent most of its CPU in the framework, not in its one
SQL statement: routing through every included router, solving a tree of dependencies that FastAPI
re-inspects on each call, an ORM session it does not need. An endpoint marked ``fast_path(handler)``
keeps its declared contract — its OpenAPI entry, its validation and every error it gives — and
``FastPathMiddleware``, the innermost of the app's own middlewares (so a request still gets its
request id, span, access log line, latency metric and CORS headers), offers each request to
``handler`` first. ``handler`` answers the requests it recognises as well formed and returns
``None`` for any other, which then goes through FastAPI as usual. It must decline every path
another route answers (``/v1/projects/stats`` as a project id), and call the same functions the
endpoint's dependencies call, so that both paths answer alike; a domain error it raises becomes
the same problem response the app's handlers give.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.common.query_params import unknown_query_names

FastPath = Callable[[Request], Awaitable[Response | None]]
ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_FAST_PATH = "__jisso_fast_path__"


def fast_path(handler: FastPath) -> Callable[[Endpoint], Endpoint]:
    """Decorator (under the route's): ``handler`` is tried before the endpoint."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _FAST_PATH, handler)
        return endpoint

    return mark


def fast_routes(routes: Iterable[Any]) -> list[APIRoute]:
    return [r for r in routes if isinstance(r, APIRoute) and hasattr(r.endpoint, _FAST_PATH)]


class FastPathMiddleware:
    """Offers each request to the fast path of the route its method and path match, if any."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Iterable[APIRoute],
        exception_handlers: Mapping[Any, ExceptionHandler],
    ) -> None:
        self.app = app
        self.routes = [
            (route, frozenset(route.methods or ()), getattr(route.endpoint, _FAST_PATH))
            for route in routes
        ]
        self.exception_handlers = exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route, methods, handler in self.routes:
                match = route.path_regex.match(scope["path"])
                if match is None or scope["method"] not in methods:
                    continue
                params = {
                    name: route.param_convertors[name].convert(value)
                    for name, value in match.groupdict().items()
                }
                # A declined request reaches FastAPI's routing with its scope untouched.
                request = Request({**scope, "path_params": params}, receive)
                if scope.get("query_string") and unknown_query_names(route, request):
                    break  # the declared endpoint's 422 (libs/common/query_params.py)
                response = await self._answer(handler, request)
                if response is not None:
                    # The access log line and the latency metric name the route, as for any.
                    scope.update(route=route, path_params=params)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _answer(self, handler: FastPath, request: Request) -> Response | None:
        try:
            return await handler(request)
        except Exception as exc:
            exception_handler = self._handler_for(exc)
            if exception_handler is None:
                raise  # unexpected: the outer ServerErrorMiddleware answers 500, as for routes
            answer = exception_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer

    def _handler_for(self, exc: Exception) -> ExceptionHandler | None:
        # As Starlette's ExceptionMiddleware looks up: the nearest class with a handler; the
        # handler of ``Exception`` itself belongs to the server-error middleware.
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in self.exception_handlers:
                return self.exception_handlers[cls]
        return None
