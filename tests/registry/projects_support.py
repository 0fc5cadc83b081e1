"""Rows the project tests need (proposers' local governments, the ☆ programme) and API helpers."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.search_text import normalise_search_key
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import Programme
from services.registry.projects import repository

# code: (name, kana, prefecture code, prefecture, kind)
LOCAL_GOVERNMENTS: dict[str, tuple[str, str, str, str, str]] = {
    "112071": ("秩父市", "チチブシ", "11", "埼玉県", "city"),
    "112089": ("所沢市", "トコロザワシ", "11", "埼玉県", "city"),
    "052159": ("仙北市", "センボクシ", "05", "秋田県", "city"),
    "162019": ("富山市", "トヤマシ", "16", "富山県", "city"),
    "212016": ("岐阜市", "ギフシ", "21", "岐阜県", "city"),
    "220001": ("静岡県", "シズオカケン", "22", "静岡県", "prefecture"),
    "342076": ("福山市", "フクヤマシ", "34", "広島県", "city"),
}
CHICHIBU_TITLE = "山間地域におけるスマートモビリティによる生活交通・物流融合事業"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ensure_local_governments(session: AsyncSession, *codes: str) -> None:
    for code in codes or tuple(LOCAL_GOVERNMENTS):
        if await session.get(LocalGovernment, code) is not None:
            continue
        name, kana, prefecture_code, prefecture, kind = LOCAL_GOVERNMENTS[code]
        session.add(
            LocalGovernment(
                code=code,
                name=name,
                kana=kana,
                prefecture_code=prefecture_code,
                prefecture=prefecture,
                kind=kind,
                is_core_city=False,
                is_central_core_city=False,
                search_key=normalise_search_key(name + kana),
            )
        )
    await session.flush()


async def ensure_programme(session: AsyncSession) -> str:
    """The ☆ programme's id, inserting it as ``cao-future-tech`` when absent."""
    existing = await repository.programme(session, "☆")
    if existing is not None:
        return existing.id
    session.add(
        Programme(
            id="cao-future-tech",
            mark="☆",
            ministry="内閣府",
            bureau="地方創生推進事務局",
            name="未来技術社会実装事業",
        )
    )
    await session.flush()
    return "cao-future-tech"


async def prepare(session: AsyncSession) -> str:
    await ensure_local_governments(session)
    return await ensure_programme(session)


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


async def create(client: httpx.AsyncClient, operator: str, **overrides: Any) -> httpx.Response:
    response = await client.post(
        "/v1/projects", json=project_body(**overrides), headers=bearer(operator)
    )
    assert response.status_code == 201, response.text
    return response
