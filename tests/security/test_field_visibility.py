"""Fields only some roles may read, × every role that may read the resource at all.

``VISIBLE`` gives, for a field of a read route, the roles that get it; every other role that may
call the route (``test_authorization_matrix.py``) gets the record without it — the field absent,
its value nowhere in the body, and the body valid against the public schema the OpenAPI document
names for that route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from libs.common.auth import Role
from libs.common.settings import Settings
from services.registry.symposia.schemas import SymposiumOut, SymposiumPublicOut
from tests.notify.symposium_data import future_symposium
from tests.security.callers import ROLE_CALLERS, caller_headers
from tests.security.test_authorization_matrix import OP, ROUTES, SV
from tests.security.wiring import Wired

JOIN_URL = "https://meet.example.jp/secret-room-7f3a"
# (route, field) → the roles that read the field; `items` routes are lists of the resource.
VISIBLE: dict[tuple[str, str], tuple[Role, ...]] = {
    ("/v1/symposia/{symposium_id}", "join_url"): (OP, SV),
    ("/v1/symposia", "join_url"): (OP, SV),
}
SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "join_url": (SymposiumOut, SymposiumPublicOut),  # (full, public)
}


def records(path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body["items"]) if path == "/v1/symposia" else [body]


@pytest.mark.parametrize(("path", "field"), list(VISIBLE))
async def test_a_field_reaches_only_the_roles_that_need_it(
    path: str,
    field: str,
    wired: Wired,
    make_settings: Callable[..., Settings],
) -> None:
    registry = wired.clients["registry"]
    headers = caller_headers(make_settings("registry"))
    created = await registry.post(
        "/v1/symposia", json=future_symposium(join_url=JOIN_URL), headers=headers["operator"]
    )
    assert created.status_code == 201, created.text
    url = path.replace("{symposium_id}", created.json()["id"])
    if path == "/v1/symposia":
        url += f"?fiscal_year={created.json()['fiscal_year']}&limit=200"
    full, public = SCHEMAS[field]
    readers = ROUTES["registry"][("GET", path)]
    for caller, role in ROLE_CALLERS.items():
        if role not in readers:
            continue
        response = await registry.get(url, headers=headers[caller])
        assert response.status_code == 200, (caller, response.text)
        shown = [r for r in records(path, response.json()) if r["id"] == created.json()["id"]]
        assert len(shown) == 1, caller
        (record,) = shown
        if role in VISIBLE[(path, field)]:
            assert record[field] == JOIN_URL, caller
            full.model_validate(record)
        else:
            assert field not in record, caller
            assert JOIN_URL not in response.text, caller
            public.model_validate(record)
