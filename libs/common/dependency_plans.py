"""Dependency solving planned once per dependant, not re-derived on every request.

FastAPI's ``solve_dependencies`` classifies each sub-dependency again on every call: its cache
key (walking the sub-tree for security scopes, unwrapping the callable), whether it is a
generator, a coroutine or a plain function (through cached look-ups keyed by a fresh object),
and it reads the request's path, query, header and cookie parameters for every dependant, most
of which declare none. None of that changes once the routes are built, so it is computed here
the first time a dependant is solved and kept with it; a request only calls its dependencies
and validates the parameters they declare. Every route gets it, through its usual ``Depends``.

The solving itself is FastAPI's, step by step (same order, the same cache of values within a
request, errors collected the same way, generators on the same exit stacks); what it does not
cover — dependency overrides (tests), dependencies with a concurrency limit — goes to FastAPI's
own function. ``install`` puts it where FastAPI's request handler looks the function up; a
FastAPI release other than the one it was written against is left alone (``SOLVER_FOR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fastapi
import fastapi.routing
from fastapi.background import BackgroundTasks
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies import utils as dependency_utils
from fastapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _get_oauth_scopes,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_gen_callable,
)
from fastapi.security.oauth2 import SecurityScopes
from starlette.datastructures import Headers, ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

# The FastAPI release whose ``solve_dependencies`` this mirrors (fastapi/dependencies/utils.py).
SOLVER_FOR = "0.165.0"
_stock_solve = dependency_utils.solve_dependencies
_GENERATOR, _COROUTINE, _FUNCTION = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Step:
    """One sub-dependency of a dependant, classified."""

    dependant: Dependant
    plan: _Plan
    call: Any
    name: str | None
    use_cache: bool
    cache_key: Any
    kind: int
    on_function_stack: bool


@dataclass(frozen=True, slots=True)
class _Field:
    """A scalar or sequence parameter: the request keys it answers to, fixed at start-up."""

    field: Any
    aliases: tuple[str, ...]  # request keys, in FastAPI's order of preference
    location: str  # "path", "query" … (the first item of an error's loc)
    sequence: bool  # read as a list (``getlist``) from a query or headers
    listed: bool  # its annotation is a sequence: an empty value is a missing one


@dataclass(frozen=True, slots=True)
class _Params:
    """The fields a dependant reads from one part of the request."""

    where: str  # the request's attribute: path_params, query_params, headers, cookies
    fields: list[Any]
    planned: tuple[_Field, ...] | None  # None: a parameter model, read by FastAPI's function


@dataclass(frozen=True, slots=True)
class _Plan:
    """What solving one dependant takes, fixed when its route was built."""

    dependant: Dependant
    steps: tuple[_Step, ...]
    params: tuple[_Params, ...]  # what it reads from the path, the query, the headers, cookies
    delegated: bool  # something this module does not plan: FastAPI's own function solves it


# By the dependant's id (a slotted dataclass: neither hashable nor weakly referable); a plan keeps
# its dependant alive, so an id is never reused while its plan is here. A process serving one app
# holds a few hundred; one that builds app after app (the tests) starts afresh past the bound.
_plans: dict[int, _Plan] = {}
MAX_PLANS = 50_000


def _plan(dependant: Dependant) -> _Plan:
    plan = _plans.get(id(dependant))
    if plan is None or plan.dependant is not dependant:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        plan = _plans[id(dependant)] = _build(dependant)
    return plan


def _build(dependant: Dependant) -> _Plan:
    steps = tuple(_step(sub) for sub in dependant.dependencies)
    params = tuple(
        _Params(where, fields, _fields(fields))
        for where, fields in (
            ("path_params", dependant.path_params),
            ("query_params", dependant.query_params),
            ("headers", dependant.header_params),
            ("cookies", dependant.cookie_params),
        )
        if fields
    )
    delegated = dependant.concurrency is not None or any(s.plan.delegated for s in steps)
    return _Plan(dependant, steps, params, delegated)


def _fields(fields: list[Any]) -> tuple[_Field, ...] | None:
    if any(dependency_utils._get_param_model(field) is not None for field in fields):
        return None
    return tuple(
        _Field(
            field=field,
            aliases=tuple(key for _, key in dependency_utils._get_param_aliases(field)),
            location=field.field_info.in_.value,
            sequence=listed and not dependency_utils._is_json_field(field),
            listed=listed,
        )
        for field, listed in (
            (field, dependency_utils.field_annotation_is_sequence(field.field_info.annotation))
            for field in fields
        )
    )


def _read_params(params: _Params, received: Any) -> tuple[dict[str, Any], list[Any]]:
    """FastAPI's ``request_params_to_args`` for fields without a parameter model; the four
    sources it reads here are never a form."""
    if params.planned is None:
        return dependency_utils.request_params_to_args(params.fields, received)
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for planned in params.planned:
        aliases = planned.aliases
        alias = aliases[0]
        if len(aliases) > 1:
            alias = next((key for key in aliases if key in received), alias)
        value: Any
        if planned.sequence and isinstance(received, (ImmutableMultiDict, Headers)):
            value = received.getlist(alias)
        else:
            value = received.get(alias, None)
        if value is None or (planned.listed and len(value) == 0):
            value = dependency_utils.Undefined
        found, wrong = dependency_utils._validate_value_with_model_field(
            field=planned.field, value=value, values=values, loc=(planned.location, alias)
        )
        if wrong:
            errors.extend(wrong)
        else:
            values[planned.field.name] = found
    return values, errors


def _step(sub: Dependant) -> _Step:
    call = sub.call
    if _is_gen_callable(call) or _is_async_gen_callable(call):
        kind = _GENERATOR
    elif _is_coroutine_callable(call):
        kind = _COROUTINE
    else:
        kind = _FUNCTION
    return _Step(
        dependant=sub,
        plan=_plan(sub),
        call=call,
        name=sub.name,
        use_cache=sub.use_cache,
        cache_key=_get_cache_key(dependant=sub),
        kind=kind,
        on_function_stack=sub.scope == "function",
    )


async def solve_dependencies(
    *,
    request: Any,
    dependant: Dependant,
    body: Any = dependency_utils.Undefined,
    background_tasks: Any = None,
    response: Response | None = None,
    dependency_overrides_provider: Any | None = None,
    dependency_cache: dict[Any, Any] | None = None,
    async_exit_stack: Any,
    embed_body_fields: bool,
    _uses_scopes_cache: Any = None,
) -> dependency_utils.SolvedDependency:
    """FastAPI's ``solve_dependencies``, its classification read from the dependant's plan."""
    plan = _plan(dependant)
    overridden = bool(getattr(dependency_overrides_provider, "dependency_overrides", None))
    if overridden or plan.delegated:
        return await _stock_solve(
            request=request,
            dependant=dependant,
            body=body,
            background_tasks=background_tasks,
            response=response,
            dependency_overrides_provider=dependency_overrides_provider,
            dependency_cache=dependency_cache,
            async_exit_stack=async_exit_stack,
            embed_body_fields=embed_body_fields,
        )
    if response is None:
        response = Response()
        del response.headers["content-length"]
        response.status_code = None  # type: ignore[assignment]
    if dependency_cache is None:
        dependency_cache = {}
    solving = _Solving(request, body, response, dependency_cache, embed_body_fields)
    return await _solve(plan, solving, background_tasks)


@dataclass(slots=True)
class _Solving:
    """What stays the same through one request's solving."""

    request: Any
    body: Any
    response: Response
    cache: dict[Any, Any]
    embed_body_fields: bool


async def _solve(
    plan: _Plan, solving: _Solving, background_tasks: Any
) -> dependency_utils.SolvedDependency:
    request, cache = solving.request, solving.cache
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for step in plan.steps:
        solved_sub = await _solve(step.plan, solving, background_tasks)
        background_tasks = solved_sub.background_tasks
        if solved_sub.errors:
            errors.extend(solved_sub.errors)
            continue
        if step.use_cache and step.cache_key in cache:
            solved = cache[step.cache_key]
        else:
            solved = await _call(step, request, solved_sub.values)
        if step.name is not None:
            values[step.name] = solved
        if step.cache_key not in cache:
            cache[step.cache_key] = solved
    dependant = plan.dependant
    for params in plan.params:
        found, wrong = _read_params(params, getattr(request, params.where))
        values.update(found)
        errors += wrong
    if dependant.body_params:
        found, wrong = await dependency_utils.request_body_to_args(
            body_fields=dependant.body_params,
            received_body=solving.body,
            embed_body_fields=solving.embed_body_fields,
        )
        values.update(found)
        errors.extend(wrong)
    background_tasks = _request_values(dependant, solving, values, background_tasks)
    return dependency_utils.SolvedDependency(
        values=values,
        errors=errors,
        background_tasks=background_tasks,
        response=solving.response,
        dependency_cache=cache,
    )


async def _call(step: _Step, request: Any, sub_values: dict[str, Any]) -> Any:
    if step.kind == _COROUTINE:
        return await step.call(**sub_values)
    if step.kind == _GENERATOR:
        stack = request.scope[
            "fastapi_function_astack" if step.on_function_stack else "fastapi_inner_astack"
        ]
        return await dependency_utils._solve_generator(
            request=request, dependant=step.dependant, stack=stack, sub_values=sub_values
        )
    return await run_in_threadpool(step.call, **sub_values)


def _request_values(
    dependant: Dependant, solving: _Solving, values: dict[str, Any], background_tasks: Any
) -> Any:
    """The parameters FastAPI fills from the request itself (``Request``, ``Response`` …)."""
    request = solving.request
    if dependant.http_connection_param_name:
        values[dependant.http_connection_param_name] = request
    if dependant.request_param_name and isinstance(request, Request):
        values[dependant.request_param_name] = request
    elif dependant.websocket_param_name and isinstance(request, WebSocket):
        values[dependant.websocket_param_name] = request
    if dependant.background_tasks_param_name:
        if background_tasks is None:
            background_tasks = BackgroundTasks()
        values[dependant.background_tasks_param_name] = background_tasks
    if dependant.response_param_name:
        values[dependant.response_param_name] = solving.response
    if dependant.security_scopes_param_name:
        values[dependant.security_scopes_param_name] = SecurityScopes(
            scopes=_get_oauth_scopes(dependant=dependant)
        )
    return background_tasks


def install() -> None:
    """Where FastAPI's request and websocket handlers look ``solve_dependencies`` up
    (``fastapi.routing``); idempotent. Another FastAPI release keeps its own."""
    if fastapi.__version__ == SOLVER_FOR:
        fastapi.routing.solve_dependencies = solve_dependencies
