"""A project as the API takes it, and creating one; the rows it needs first are the world's
(``project_world`` in tests/fixtures/world.py)."""

from __future__ import annotations

from typing import Any

import httpx

CHICHIBU_TITLE = "山間地域におけるスマートモビリティによる生活交通・物流融合事業"


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": CHICHIBU_TITLE,
        "proposers": [{"lg_code": "112071", "is_lead": True}],
        "technologies": ["IoT", "自動運転", "ドローン"],
        "selection_fiscal_year": "令和2年度",
        "future_vision": "「秩父モデル」を構築する。",
        "regional_issues": "山間地を多く抱え…",
        "initiatives": [{"title": "ドローン物流事業", "description": "医薬品の配送"}],
    }
    body.update(overrides)
    return body


async def create(
    registry: httpx.AsyncClient, operator: dict[str, str], **overrides: Any
) -> httpx.Response:
    response = await registry.post("/v1/projects", json=project_body(**overrides), headers=operator)
    assert response.status_code == 201, response.text
    return response
