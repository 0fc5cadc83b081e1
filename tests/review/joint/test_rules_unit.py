"""The rule functions on their own, with scheme records shaped like the registry's."""

from __future__ import annotations

from typing import Any

import pytest

from libs.common.errors import RuleViolation
from services.review.joint_review import rules
from services.review.joint_review.results.service import collaborating, sort_marks

TYPE1: dict[str, Any] = {
    "id": "digiden-type1",
    "name": "デジタル実装タイプ TYPE1",
    "max_years": None,
    "quota_group": "digiden-jisso",
    "outside_quota": False,
    "required_conditions": ["A", "B"],
    "caps": [],
    "quotas": [
        {"applicant_kind": "prefecture", "max_new": 9, "max_wide_area": None},
        {"applicant_kind": "municipality", "max_new": 5, "max_wide_area": None},
    ],
}


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"kind": "prefecture", "is_central_core_city": False}, "prefecture"),
        ({"kind": "designated_city", "is_central_core_city": True}, "central_core_city"),
        ({"kind": "city", "is_central_core_city": True}, "central_core_city"),
        ({"kind": "town_or_village", "is_central_core_city": False}, "municipality"),
        ({"kind": "special_ward", "is_central_core_city": False}, "municipality"),
    ],
)
def test_applicant_kind_from_the_registry_record(record: dict[str, Any], kind: str) -> None:
    assert rules.applicant_kind(record) == kind


def test_oku_labels_as_the_scheme_tables() -> None:
    assert [rules.oku(y) for y in (300_000_000, 85_000_000, 70_000_000)] == [
        "3.0億円",
        "0.85億円",
        "0.7億円",
    ]


def test_a_central_core_city_uses_the_municipality_row_when_a_scheme_has_none() -> None:
    used = rules.QuotaUse(new=5, wide_area=0)
    with pytest.raises(RuleViolation) as caught:
        rules.check_quota(
            TYPE1,
            kind="central_core_city",
            lg_code="011002",
            fiscal_year=2022,
            wide_area=False,
            used=used,
        )
    assert caught.value.extensions["quota"] == 5


def test_no_cap_and_no_wide_area_quota_when_the_registry_states_none() -> None:
    rules.check_yearly_caps(TYPE1, "prefecture", [{"fiscal_year": 2022, "amount_yen": 10**12}])
    used = rules.QuotaUse(new=0, wide_area=50)
    rules.check_quota(
        TYPE1, kind="prefecture", lg_code="010006", fiscal_year=2022, wide_area=True, used=used
    )
    rules.check_max_years(TYPE1, 20)


def test_required_conditions_apply_to_every_scheme_that_lists_them() -> None:
    rules.check_conditions(TYPE1, [True, True])
    with pytest.raises(RuleViolation) as caught:
        rules.check_conditions(TYPE1, [True, True, True])  # one too many: the order is unclear
    assert caught.value.extensions["given"] == 3


def test_marks_in_legend_order_and_the_collaboration_rule() -> None:
    assert sort_marks("■☆○□●☆") == "☆□○●■"
    assert sort_marks("■X") == "■X"
    assert collaborating("☆", "") is False
    assert collaborating("☆■", "") is True
    assert collaborating("☆", "■") is True
    assert collaborating("☆☆", "") is False
