"""A bad CSV import costs a bounded answer: row and byte caps, the first problems and their count.

One 5 MB file of invalid project rows used to be checked one database round trip per row, build a
problem object for every bad cell (~400 MB) and answer 50 MB minutes later. Now the row past the cap
is a 422 ``too_many_rows`` as soon as it is read; a file within the cap answers with at most 100
problems, saying how many there were in all; and nothing is stored. Speed is not asserted (the
machine is shared): memory is, with tracemalloc, and so is the size of the answer.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.local_governments.models import LocalGovernment
from services.registry.projects.models import Project
from tests.fixtures.clients import bearer
from tests.fixtures.world import prepare
from tests.security.wiring import Wired

MIB = 1024 * 1024
PROJECT_HEADER = "選定年度,提案者,提案タイトル,主な活用技術\n"
LG_HEADER = "団体コード,都道府県名,市区町村名,カナ\n"
REPORTED = 100  # problems listed at most


def csv_file(header: str, row: Callable[[int], str], *, rows: int | None = None) -> bytes:
    """``header`` and rows until ``rows`` of them or just under 5 MB."""
    parts, size = [header], len(header.encode())
    n = 0
    while (rows is None and size < 5 * MIB - 200) or (rows is not None and n < rows):
        line = row(n)
        parts.append(line)
        size += len(line.encode())
        n += 1
    return "".join(parts).encode()


def bad_project(n: int) -> str:
    return f"令和9年度,不明市{n},悪い行{n},テレパシー\n"  # a bad fiscal year and technology


@dataclass
class Peak:
    megabytes: float = 0.0


@contextmanager
def peak_memory() -> Iterator[Peak]:
    peak = Peak()
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.megabytes = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()


async def post_csv(wired: Wired, token: Callable[..., str], path: str, data: bytes) -> Any:
    headers = {**bearer(token(Role.operator)), "Content-Type": "text/csv"}
    return await wired.clients["registry"].post(path, content=data, headers=headers, timeout=600)


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_5_mb_file_of_bad_project_rows_is_refused_by_its_row_count(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await prepare(session)
    data = csv_file(PROJECT_HEADER, bad_project)
    assert len(data) > 4 * MIB

    with peak_memory() as peak:
        response = await post_csv(wired, token, "/v1/projects/imports", data)

    assert response.status_code == 422, response.text[:500]
    problem = response.json()
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("file", "too_many_rows")]
    assert problem["max_rows"] == 1000
    assert len(response.content) < 4096
    # The request body itself is 5 MB and its text a few times that; the old import took ~400 MB.
    assert peak.megabytes < 64, f"peak {peak.megabytes:.0f} MB"
    assert await count(session, Project) == 0


async def test_a_file_one_row_past_the_cap_is_refused_before_its_rows_are_checked(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await prepare(session)
    data = csv_file(PROJECT_HEADER, bad_project, rows=1001)
    response = await post_csv(wired, token, "/v1/projects/imports", data)
    assert response.status_code == 422
    assert [e["rule"] for e in response.json()["errors"]] == ["too_many_rows"]


async def test_a_bad_file_within_the_cap_lists_the_first_problems_and_counts_them_all(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await prepare(session)
    data = csv_file(PROJECT_HEADER, bad_project, rows=1000)

    response = await post_csv(wired, token, "/v1/projects/imports", data)

    assert response.status_code == 422
    problem = response.json()
    assert len(problem["errors"]) == REPORTED
    assert problem["error_count"] == 2000  # 選定年度 and 主な活用技術 of each row
    assert problem["line_count"] == 1000
    assert problem["lines"] == list(range(2, 2 + REPORTED))
    assert "2000" in problem["detail"] and "1000" in problem["detail"]
    assert await count(session, Project) == 0


async def test_huge_cells_within_the_row_cap_cost_bounded_memory(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    """Rows of thousands of unknown proposers and technologies: each list is refused by its
    length, not looked up and reported name by name."""
    await prepare(session)
    proposers = "・".join(f"不明市{k}" for k in range(150))
    technologies = "、".join(f"テレパシー{k}" for k in range(150))
    data = csv_file(
        PROJECT_HEADER, lambda n: f"R2,{proposers},悪い行{n},{technologies}\n", rows=1000
    )
    assert len(data) > 4 * MIB

    with peak_memory() as peak:
        response = await post_csv(wired, token, "/v1/projects/imports", data)

    assert response.status_code == 422, response.text[:500]
    problem = response.json()
    assert {e["rule"] for e in problem["errors"]} == {"too_many"}
    assert problem["error_count"] == 2000
    assert len(response.content) < 64 * 1024
    assert peak.megabytes < 64, f"peak {peak.megabytes:.0f} MB"


@pytest.mark.parametrize("rows", [5000, 5001])
async def test_the_local_government_import_is_bounded_the_same_way(
    wired: Wired, session: AsyncSession, token: Callable[..., str], rows: int
) -> None:
    before = await count(session, LocalGovernment)
    data = csv_file(LG_HEADER, lambda n: f"99999{n % 10},不明県,不明市{n},フメイ\n", rows=rows)

    response = await post_csv(wired, token, "/v1/local-governments/imports", data)

    assert response.status_code == 422
    problem = response.json()
    if rows > 5000:
        assert [e["rule"] for e in problem["errors"]] == ["too_many_rows"]
    else:
        assert len(problem["errors"]) == REPORTED
        assert problem["line_count"] == rows and problem["error_count"] >= rows
        assert len(problem["lines"]) == REPORTED
    assert await count(session, LocalGovernment) == before
