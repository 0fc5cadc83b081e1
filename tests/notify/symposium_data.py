"""Symposia and contacts created in the real registry, through its API, for notify's tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO, fiscal_year_of

FOURTH_FY2021 = {
    "fiscal_year": "令和3年度",
    "number": 4,
    "theme": "共通の課題",
    "starts_at": "2022-02-17T13:30:00+09:00",
    "ends_at": "2022-02-17T15:00:00+09:00",
    "format": "web",
    "audience": ["local_government"],
    "tentative": True,
}


def operator(token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(Role.operator)}"}


def future_symposium(
    starts_at: datetime | None = None, *, capacity: int | None = None, **fields: Any
) -> dict[str, Any]:
    """A web symposium for local-government staff, 90 minutes, a month ahead by default."""
    if starts_at is None:
        day = datetime.now(TOKYO).date() + timedelta(days=30)
        starts_at = datetime(day.year, day.month, day.day, 13, 30, tzinfo=TOKYO)
    return {
        "fiscal_year": fiscal_year_of(starts_at.date()),
        "number": random.randint(10, 99),
        "theme": "スマートシティの実装",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=90)).isoformat(),
        "format": "web",
        "audience": ["local_government"],
        "capacity": capacity,
        **fields,
    }


async def create_symposium(
    registry: httpx.AsyncClient, token: Callable[..., str], fields: dict[str, Any]
) -> dict[str, Any]:
    response = await registry.post("/v1/symposia", json=fields, headers=operator(token))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_contact(
    registry: httpx.AsyncClient,
    token: Callable[..., str],
    *,
    name: str,
    email: str,
    category: str = "local_government",
) -> dict[str, Any]:
    response = await registry.post(
        "/v1/contacts",
        json={"name": name, "email": email, "stakeholder_category": category},
        headers=operator(token),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def local_government_staff(
    registry: httpx.AsyncClient, token: Callable[..., str], count: int, tag: str
) -> list[dict[str, Any]]:
    return [
        await create_contact(
            registry, token, name=f"自治体 職員{i}", email=f"lg{i}.{tag}@city.example.jp"
        )
        for i in range(count)
    ]
