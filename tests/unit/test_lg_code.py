from __future__ import annotations

import pytest

from libs.common.lg_code import (
    DESIGNATED_CITIES,
    PREFECTURES,
    LocalGovernmentCodeError,
    LocalGovernmentKind,
    expected_check_digit,
    kind_of,
    prefecture_code_of,
    validate_lg_code,
    with_check_digit,
)


@pytest.mark.parametrize(
    ("first_five", "digit"),
    [
        ("11207", 1),  # 秩父市
        ("13000", 1),  # 東京都
        ("13101", 6),  # 千代田区
        ("14100", 3),  # 横浜市
        ("14101", 1),  # 横浜市鶴見区
        ("01638", 1),  # 芽室町
        ("01000", 6),  # 北海道
    ],
)
def test_expected_check_digit(first_five: str, digit: int) -> None:
    assert expected_check_digit(first_five) == digit
    assert with_check_digit(first_five) == f"{first_five}{digit}"


@pytest.mark.parametrize(
    ("code", "normalised"),
    [
        ("112071", "112071"),
        ("130001", "130001"),
        ("１１２０７１", "112071"),
        (" 130001 ", "130001"),
        ("016381", "016381"),
        ("472018", "472018"),  # 那覇市
    ],
)
def test_validate_accepts(code: str, normalised: str) -> None:
    assert validate_lg_code(code) == normalised


@pytest.mark.parametrize(("code", "expected"), [("112072", 1), ("130002", 1), ("１１２０７０", 1)])
def test_validate_refuses_wrong_check_digit(code: str, expected: int) -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        validate_lg_code(code)
    error = info.value
    assert error.rule == "check_digit"
    assert error.expected_check_digit == expected
    assert f"expected check digit {expected}" in str(error)
    assert str(error).startswith("地方公共団体コードのチェックデジットが誤っています")


def test_validate_check_digit_message() -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        validate_lg_code("112072")
    assert str(info.value) == (
        "地方公共団体コードのチェックデジットが誤っています（expected check digit 1）"
    )
    assert info.value.code == "112072"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "code", ["", "11207", "1120711", "11207a", "abcdef", "11-2071", "００００００", "480001"]
)
def test_validate_refuses_format(code: str) -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        validate_lg_code(code)
    assert info.value.rule == "format"
    assert info.value.expected_check_digit is None


@pytest.mark.parametrize("first_five", ["1120", "112071", "1120a", ""])
def test_expected_check_digit_refuses_format(first_five: str) -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        expected_check_digit(first_five)
    assert info.value.rule == "format"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("130001", LocalGovernmentKind.PREFECTURE),  # 東京都
        ("010006", LocalGovernmentKind.PREFECTURE),  # 北海道
        ("131016", LocalGovernmentKind.SPECIAL_WARD),  # 千代田区
        ("131237", LocalGovernmentKind.SPECIAL_WARD),  # 江戸川区
        ("141003", LocalGovernmentKind.DESIGNATED_CITY),  # 横浜市
        ("141305", LocalGovernmentKind.DESIGNATED_CITY),  # 川崎市
        ("011002", LocalGovernmentKind.DESIGNATED_CITY),  # 札幌市
        ("431001", LocalGovernmentKind.DESIGNATED_CITY),  # 熊本市
        ("141011", LocalGovernmentKind.DESIGNATED_CITY_WARD),  # 横浜市鶴見区
        ("141313", LocalGovernmentKind.DESIGNATED_CITY_WARD),  # 川崎市川崎区
        ("271021", LocalGovernmentKind.DESIGNATED_CITY_WARD),  # 大阪市都島区
        ("112071", LocalGovernmentKind.CITY),  # 秩父市
        ("472018", LocalGovernmentKind.CITY),  # 那覇市
        ("132012", LocalGovernmentKind.CITY),  # 八王子市
        ("016381", LocalGovernmentKind.TOWN_OR_VILLAGE),  # 芽室町
        ("134015", LocalGovernmentKind.TOWN_OR_VILLAGE),  # 大島町
    ],
)
def test_kind_of(code: str, kind: LocalGovernmentKind) -> None:
    assert kind_of(code) == kind
    assert kind_of(code) == kind.value


def test_kind_values() -> None:
    assert [k.value for k in LocalGovernmentKind] == [
        "prefecture",
        "designated_city",
        "designated_city_ward",
        "special_ward",
        "city",
        "town_or_village",
    ]


@pytest.mark.parametrize("first_five", ["01001", "11800", "11900"])
def test_kind_of_refuses_unused_municipal_ranges(first_five: str) -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        kind_of(with_check_digit(first_five))
    assert info.value.rule == "format"


def test_kind_of_validates_check_digit() -> None:
    with pytest.raises(LocalGovernmentCodeError) as info:
        kind_of("112072")
    assert info.value.rule == "check_digit"


@pytest.mark.parametrize(("code", "prefecture"), [("112071", "11"), ("130001", "13")])
def test_prefecture_code_of(code: str, prefecture: str) -> None:
    assert prefecture_code_of(code) == prefecture


def test_prefectures() -> None:
    assert len(PREFECTURES) == 47
    assert PREFECTURES["01"] == "北海道"
    assert PREFECTURES["11"] == "埼玉県"
    assert PREFECTURES["13"] == "東京都"
    assert PREFECTURES["26"] == "京都府"
    assert PREFECTURES["47"] == "沖縄県"
    assert list(PREFECTURES) == [f"{n:02}" for n in range(1, 48)]


def test_designated_cities() -> None:
    assert len(DESIGNATED_CITIES) == 20
    for first_five in DESIGNATED_CITIES:
        assert kind_of(with_check_digit(first_five)) == LocalGovernmentKind.DESIGNATED_CITY
