"""The registry's routers are included most requested first (services/registry/app.py). That is
only a matter of speed as long as no request could be answered by routes of two routers: FastAPI
takes the first route that matches, so such a pair would make the order decide the answer."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from services.registry.app import ROUTERS


def _example_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "0", route.path)


def test_no_request_matches_routes_of_two_routers() -> None:
    routes = [
        (index, route)
        for index, router in enumerate(ROUTERS)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    clashes = [
        (route.path, other.path)
        for index, route in routes
        for other_index, other in routes
        if index != other_index
        and route.methods & other.methods
        and other.path_regex.match(_example_path(route))
    ]
    assert len(routes) > 40
    assert clashes == []
