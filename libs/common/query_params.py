"""未定義のクエリパラメータ — a query parameter a route does not declare is a 422, on every route of
every service, never silently ignored.

A misspelt filter (``?programe=☆``, ``?fiscalyear=R3``) used to answer the whole unfiltered list,
which an office reads as "these are the ☆ projects". ``create_service_app`` installs
:func:`refuse_unknown_query` as an app-wide dependency; it compares the request's parameter names
with the query parameters the matched route declares — its own and those of every dependency it
solves (a filter dependency such as the registry's ``project_filters``) — so a new route is
covered without doing anything. Each unknown name is one error, ``query.<name>`` with rule
``unknown_parameter``; the declared parameters' own problems (``limit=999``) come in the same
answer, so every broken rule of a query is reported at once.

It runs before the route's other dependencies, authentication included: a parameter's name is
public (it is in the contract), so refusing it tells an anonymous caller nothing. The one
exception is a page for a person (an HTML response: the RSVP and unsubscribe pages opened from
letters): a mail gateway or a link scanner may append its own tracking parameters to a link we
wrote, and an invitee must still reach the page, so those routes ignore what they do not take.
``COMMON_QUERY_PARAMETERS`` would name parameters every route accepts; there are none.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.params import Param, ParamTypes
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo

UNKNOWN_PARAMETER = "unknown_parameter"
UNKNOWN_QUERY_PROBLEM = (
    "Invalid input: a query parameter this route does not take (rule unknown_parameter)"
)
COMMON_QUERY_PARAMETERS: frozenset[str] = frozenset()
_DECLARED = "__jisso_query_names__"


def _query_fields(route: APIRoute) -> list[Any]:
    fields = []
    for field in get_flat_params(route.dependant):
        info: FieldInfo = field.field_info
        if isinstance(info, Param) and info.in_ is ParamTypes.query:
            fields.append(field)
    return fields


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` takes (by alias, as the contract names them)."""
    names: frozenset[str] | None = getattr(route, _DECLARED, None)
    if names is None:
        names = COMMON_QUERY_PARAMETERS | {field.alias for field in _query_fields(route)}
        setattr(route, _DECLARED, names)  # computed once per route: routes live as long as the app
    return names


def is_page(route: APIRoute) -> bool:
    """A page for a person: its links pass through mail gateways that add parameters."""
    response_class = getattr(route.response_class, "value", route.response_class)
    return isinstance(response_class, type) and issubclass(response_class, HTMLResponse)


def unknown_query_names(route: APIRoute, request: Request) -> list[str]:
    if is_page(route):
        return []
    declared = declared_query_names(route)
    return sorted({name for name in request.query_params if name not in declared})


def _unknown_error(name: str, value: str, declared: frozenset[str]) -> dict[str, Any]:
    accepted = ", ".join(sorted(declared)) or "none"
    return {
        "type": UNKNOWN_PARAMETER,
        "loc": ("query", name),
        "msg": f"このクエリパラメータは受け付けていません: {name!r}"
        f"（unknown query parameter; this route takes: {accepted}）",
        "input": value,
    }


async def refuse_unknown_query(request: Request) -> None:
    """The app-wide dependency: a 422 (``RequestValidationError``) listing every unknown
    parameter and every problem of the declared ones, or nothing."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    unknown = unknown_query_names(route, request)
    if not unknown:
        return
    declared = declared_query_names(route)
    _, errors = request_params_to_args(_query_fields(route), request.query_params)
    errors += [_unknown_error(name, request.query_params[name], declared) for name in unknown]
    raise RequestValidationError(errors)
