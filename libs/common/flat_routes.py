"""A service's routers declared on the app's own router, route by route.

FastAPI 0.165 keeps an included router as one entry of the app's routes and matches through it
lazily: each request sets and restores the inclusion's context in the scope around every route
it tries, and the chosen router matches the request a second time before it hands it on — about
250 Python calls before a request reaches the route it was always going to reach. Declared on the
app's router with what the inclusion would have given them (the app's dependencies, responses
and operation ids, the router's defaults), each route is tried once, as a plain route.

The routes, their order, their OpenAPI document, 404/405 answers, HEAD, trailing-slash redirects
and dependency overrides are those of ``include_router``. A router this cannot reproduce route for
route (nested routers, non-API or streaming routes, form limits, its own start-up handlers or
lifespan) is
included FastAPI's way.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi._body_limit import get_body_size_limit
from fastapi.routing import APIRoute, _DefaultLifespan
from fastapi.utils import get_value_or_default


def include(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)``, its routes declared on the app's router."""
    if not _flattenable(router):
        app.include_router(router)
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)  # _flattenable
        _declare(app.router, router, route)


def _flattenable(router: APIRouter) -> bool:
    plain_routes = all(
        isinstance(route, APIRoute) and not route.stream_item_type for route in router.routes
    )
    return (
        plain_routes
        and not router.form_limits
        and not router.on_startup
        and not router.on_shutdown
        and isinstance(router.lifespan_context, _DefaultLifespan)
        and not router._low_priority_routes
        and router._frontend_routes is None
    )


def _declare(target: APIRouter, router: APIRouter, route: APIRoute) -> None:
    # The arguments FastAPI's inclusion gives an included route
    # (``_EffectiveRouteContext.from_api_route``); ``add_api_route`` adds the app's own.
    target.add_api_route(
        route.path,
        route.endpoint,
        response_model=route.response_model,
        status_code=route.status_code,
        tags=route.tags,
        dependencies=route.dependencies,
        summary=route.summary,
        description=route.description,
        response_description=route.response_description,
        responses=route.responses,
        deprecated=route.deprecated,
        methods=route.methods,
        operation_id=route.operation_id,
        response_model_include=route.response_model_include,
        response_model_exclude=route.response_model_exclude,
        response_model_by_alias=route.response_model_by_alias,
        response_model_exclude_unset=route.response_model_exclude_unset,
        response_model_exclude_defaults=route.response_model_exclude_defaults,
        response_model_exclude_none=route.response_model_exclude_none,
        include_in_schema=route.include_in_schema,
        response_class=get_value_or_default(route.response_class, router.default_response_class),
        name=route.name,
        route_class_override=type(route),
        callbacks=route.callbacks,
        openapi_extra=route.openapi_extra,
        generate_unique_id_function=get_value_or_default(
            route.generate_unique_id_function, router.generate_unique_id_function
        ),
        strict_content_type=get_value_or_default(
            route.strict_content_type, router.strict_content_type
        ),
        max_body_size=get_body_size_limit(route.max_body_size, router.max_body_size),
        form_limits=route.form_limits or None,
    )
