"""Local government codes (全国地方公共団体コード).

A code is six digits: two for the prefecture (都道府県), three for the municipality (市区町村,
``000`` for the prefecture itself) and a check digit (検査数字). For the first five digits
a–e, s = 6a + 5b + 4c + 3d + 2e and the check digit is (11 − s mod 11) mod 10.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

_WEIGHTS = (6, 5, 4, 3, 2)
_FIVE_DIGITS = re.compile(r"[0-9]{5}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")

# Tokyo's 23 special wards (特別区): 千代田区 13101 … 江戸川区 13123.
_SPECIAL_WARDS = range(13101, 13124)
# A designated city's wards are numbered from its own code + 1; the next designated city in
# the same prefecture is never closer than 30 (横浜市 14100, 川崎市 14130).
_WARD_SPAN = 29

# fmt: off
PREFECTURES: Mapping[str, str] = MappingProxyType({
    "01": "北海道", "02": "青森県", "03": "岩手県", "04": "宮城県", "05": "秋田県",
    "06": "山形県", "07": "福島県", "08": "茨城県", "09": "栃木県", "10": "群馬県",
    "11": "埼玉県", "12": "千葉県", "13": "東京都", "14": "神奈川県", "15": "新潟県",
    "16": "富山県", "17": "石川県", "18": "福井県", "19": "山梨県", "20": "長野県",
    "21": "岐阜県", "22": "静岡県", "23": "愛知県", "24": "三重県", "25": "滋賀県",
    "26": "京都府", "27": "大阪府", "28": "兵庫県", "29": "奈良県", "30": "和歌山県",
    "31": "鳥取県", "32": "島根県", "33": "岡山県", "34": "広島県", "35": "山口県",
    "36": "徳島県", "37": "香川県", "38": "愛媛県", "39": "高知県", "40": "福岡県",
    "41": "佐賀県", "42": "長崎県", "43": "熊本県", "44": "大分県", "45": "宮崎県",
    "46": "鹿児島県", "47": "沖縄県",
})
# fmt: on
"""The 47 prefectures by two-digit code (都道府県コード): ``"01"`` 北海道 … ``"47"`` 沖縄県."""

DESIGNATED_CITIES: Mapping[str, str] = MappingProxyType(
    {
        "01100": "札幌市",
        "04100": "仙台市",
        "11100": "さいたま市",
        "12100": "千葉市",
        "14100": "横浜市",
        "14130": "川崎市",
        "14150": "相模原市",
        "15100": "新潟市",
        "22100": "静岡市",
        "22130": "浜松市",
        "23100": "名古屋市",
        "26100": "京都市",
        "27100": "大阪市",
        "27140": "堺市",
        "28100": "神戸市",
        "33100": "岡山市",
        "34100": "広島市",
        "40100": "北九州市",
        "40130": "福岡市",
        "43100": "熊本市",
    }
)
"""The 20 designated cities (政令指定都市) by the first five digits of their code."""

_DESIGNATED_CITY_NUMBERS = frozenset(int(code) for code in DESIGNATED_CITIES)


class LocalGovernmentKind(StrEnum):
    """Kind of local government as far as the code alone tells."""

    PREFECTURE = "prefecture"  # 都道府県
    DESIGNATED_CITY = "designated_city"  # 政令指定都市
    DESIGNATED_CITY_WARD = "designated_city_ward"  # 行政区
    SPECIAL_WARD = "special_ward"  # 特別区 (東京23区)
    CITY = "city"  # 市
    # 町 and 村 share the 3xx–7xx range by district (郡), so the code cannot separate them.
    TOWN_OR_VILLAGE = "town_or_village"  # 町村


class LocalGovernmentCodeError(ValueError):
    """An invalid local government code. The message is Japanese, then English."""

    def __init__(
        self,
        code: str,
        rule: Literal["format", "check_digit"],
        message: str,
        expected_check_digit: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.rule = rule
        self.message = message
        self.expected_check_digit = expected_check_digit


def _normalise(code: str) -> str:
    # NFKC so that full-width digits typed in Japanese forms (１１２０７１) are accepted.
    return unicodedata.normalize("NFKC", code).strip()


def expected_check_digit(first_five: str) -> int:
    """Check digit (検査数字) for the first five digits of a code."""
    digits = _normalise(first_five) if isinstance(first_five, str) else ""
    if not _FIVE_DIGITS.fullmatch(digits):
        raise LocalGovernmentCodeError(
            str(first_five),
            "format",
            f"地方公共団体コードの上5桁は5桁の数字です: {first_five!r}（expected 5 digits）",
        )
    s = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, digits, strict=True))
    return (11 - s % 11) % 10


def with_check_digit(first_five: str) -> str:
    """The six-digit code for five digits: ``"11207"`` → ``"112071"``."""
    digits = _normalise(first_five)
    return f"{digits}{expected_check_digit(digits)}"


def validate_lg_code(code: str) -> str:
    """Validate a six-digit code and return it normalised (ASCII digits).

    Refuses anything but six digits, prefecture numbers outside 01–47 (rule ``"format"``)
    and a wrong check digit (rule ``"check_digit"``, naming the expected digit).
    """
    digits = _normalise(code) if isinstance(code, str) else ""
    if not _SIX_DIGITS.fullmatch(digits):
        raise LocalGovernmentCodeError(
            str(code),
            "format",
            f"地方公共団体コードは6桁の数字です: {code!r}（expected 6 digits）",
        )
    if digits[:2] not in PREFECTURES:
        raise LocalGovernmentCodeError(
            digits,
            "format",
            f"都道府県コードは01〜47です: {code!r}（prefecture part must be 01–47）",
        )
    expected = expected_check_digit(digits[:5])
    if int(digits[5]) != expected:
        raise LocalGovernmentCodeError(
            digits,
            "check_digit",
            "地方公共団体コードのチェックデジットが誤っています"
            f"（expected check digit {expected}）",
            expected_check_digit=expected,
        )
    return digits


def prefecture_code_of(code: str) -> str:
    """Two-digit prefecture code (都道府県コード) of a valid code: ``"112071"`` → ``"11"``."""
    return validate_lg_code(code)[:2]


def _designated_city_of_ward(number: int) -> bool:
    return any(city + 1 <= number <= city + _WARD_SPAN for city in _DESIGNATED_CITY_NUMBERS)


def kind_of(code: str) -> LocalGovernmentKind:
    """Kind of local government derived from a valid code (see :class:`LocalGovernmentKind`)."""
    digits = validate_lg_code(code)
    municipal = digits[2:5]
    number = int(digits[:5])
    if municipal == "000":
        return LocalGovernmentKind.PREFECTURE
    if number in _SPECIAL_WARDS:
        return LocalGovernmentKind.SPECIAL_WARD
    if number in _DESIGNATED_CITY_NUMBERS:
        return LocalGovernmentKind.DESIGNATED_CITY
    if municipal[0] == "1" and _designated_city_of_ward(number):
        return LocalGovernmentKind.DESIGNATED_CITY_WARD
    if municipal[0] in "12":
        return LocalGovernmentKind.CITY
    if municipal[0] in "34567":
        return LocalGovernmentKind.TOWN_OR_VILLAGE
    raise LocalGovernmentCodeError(
        digits,
        "format",
        f"市区町村コードの範囲外です: {code!r}"
        f"（municipal part must be 000 or 100–799, got {municipal}）",
    )
