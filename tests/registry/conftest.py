"""Factories shared by the registry tests: rows inserted in the test's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.lg_code import PREFECTURES, kind_of, validate_lg_code
from services.registry.local_governments.models import LocalGovernment
from services.registry.local_governments.service import normalise_kana, search_key_for
from services.registry.programmes.models import Programme


async def add_local_government(
    session: AsyncSession,
    code: str,
    name: str,
    prefecture: str | None = None,
    *,
    kana: str = "",
) -> LocalGovernment:
    """A local government with kind and search key derived as the API would derive them."""
    code = validate_lg_code(code)
    prefecture = prefecture or PREFECTURES[code[:2]]
    kind = str(kind_of(code))
    kana = normalise_kana(kana)
    row = LocalGovernment(
        code=code,
        name=name,
        kana=kana,
        prefecture_code=code[:2],
        prefecture=prefecture,
        kind=kind,
        is_core_city=False,
        is_central_core_city=False,
        search_key=search_key_for(name=name, kana=kana, prefecture=prefecture, kind=kind),
    )
    session.add(row)
    await session.flush()
    return row


async def add_programme(
    session: AsyncSession,
    programme_id: str = "mirai-gijutsu",
    *,
    mark: str = "☆",
    name: str = "未来技術社会実装事業",
) -> Programme:
    """A programme with only its identity filled in; returns the existing row if there is one."""
    existing = await session.get(Programme, programme_id)
    if existing is not None:
        return existing
    row = Programme(
        id=programme_id,
        mark=mark,
        ministry="内閣府",
        bureau="地方創生推進事務局",
        name=name,
        former_names=[],
        summary="",
        support_target="",
        contact="",
        selection_count_note="",
    )
    session.add(row)
    await session.flush()
    return row
