"""凡例: a programme's name in a fiscal year and the note on its earlier names, from the registry's
fiscal-year rows (no database: the records are what `GET /v1/programmes` shows)."""

from __future__ import annotations

from typing import Any

import pytest

from services.review.joint_review.rounds.legend import earlier_names_note, name_in

CURRENT = "地域課題解決のためのスマートシティ推進事業"
UNTIL_R2 = "データ利活用型スマートシティ推進事業"
R3 = "データ連携促進型スマートシティ推進事業"


def _soumu() -> dict[str, Any]:
    names = {2017: UNTIL_R2, 2018: UNTIL_R2, 2019: UNTIL_R2, 2020: UNTIL_R2, 2021: R3}
    return {
        "id": "soumu-smart-city",
        "mark": "□",
        "name": CURRENT,
        "fiscal_years": [{"fiscal_year": fy, "name": n} for fy, n in names.items()],
    }


@pytest.mark.parametrize(
    ("fiscal_year", "name", "note"),
    [
        (2021, R3, f"令和2年度までの施策名は「{UNTIL_R2}」"),  # the seed's ※1
        (2020, UNTIL_R2, ""),
        (2017, UNTIL_R2, ""),
        (
            2022,
            CURRENT,  # no row for FY2022: the current name
            f"令和2年度までの施策名は「{UNTIL_R2}」、令和3年度の施策名は「{R3}」",
        ),
    ],
)
def test_soumu_by_fiscal_year(fiscal_year: int, name: str, note: str) -> None:
    assert name_in(_soumu(), fiscal_year) == name
    assert earlier_names_note(_soumu(), fiscal_year) == note


def test_a_single_earlier_year_and_a_name_in_the_middle() -> None:
    maas = {
        "id": "mlit-japan-maas",
        "mark": "●",
        "name": "日本版MaaS推進・支援事業",
        "fiscal_years": [
            {"fiscal_year": 2019, "name": "新モビリティサービス推進事業"},
            {"fiscal_year": 2020, "name": None},
            {"fiscal_year": 2021, "name": None},
        ],
    }
    assert earlier_names_note(maas, 2021) == "令和元年度の施策名は「新モビリティサービス推進事業」"
    middle = {
        "id": "x",
        "mark": "■",
        "name": "A",
        "fiscal_years": [
            {"fiscal_year": 2018, "name": None},
            {"fiscal_year": 2019, "name": "B"},
            {"fiscal_year": 2020, "name": "B"},
            {"fiscal_year": 2021, "name": None},
        ],
    }
    assert earlier_names_note(middle, 2021) == "令和元年度から令和2年度までの施策名は「B」"
    assert earlier_names_note({"id": "y", "mark": "☆", "name": "C"}, 2021) == ""
