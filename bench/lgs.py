"""The 1,788 local governments (地方公共団体) with synthetic names and valid codes.

Japan has 47 prefectures and 1,741 municipalities: 20 designated cities, 772 other cities, Tokyo's
23 special wards and 926 towns and villages. The plan below has exactly those kinds, each code
built with ``libs.common.lg_code.with_check_digit`` in the number range its kind has in the real
list (cities 2xx, towns and villages 3xx–7xx), so ``kind_of`` derives the same kind from it.
Prefectures and designated cities keep their real names; every other name is made of two
place-name fragments, with a matching katakana reading.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from libs.common.lg_code import (
    DESIGNATED_CITIES,
    PREFECTURES,
    LocalGovernmentKind,
    with_check_digit,
)
from services.registry.local_governments.service import search_key_for

TOTAL = 1_788
CITIES = 772  # 市, designated cities not included
SPECIAL_WARDS = 23  # 東京23区: 13101–13123
TOWNS_AND_VILLAGES = 926  # 743 町 and 183 村
VILLAGE_SHARE = 183 / 926
CORE_CITIES = 62  # 中核市
CENTRAL_CORE_CITIES = 82  # 中枢中核都市

# (kanji, katakana reading): two of them make a plausible place name (北山 キタヤマ).
FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("北", "キタ"), ("南", "ミナミ"), ("東", "ヒガシ"), ("西", "ニシ"), ("上", "カミ"),
    ("下", "シモ"), ("中", "ナカ"), ("大", "オオ"), ("小", "オ"), ("高", "タカ"),
    ("山", "ヤマ"), ("川", "カワ"), ("田", "タ"), ("野", "ノ"), ("原", "ハラ"),
    ("島", "シマ"), ("崎", "サキ"), ("浜", "ハマ"), ("沢", "サワ"), ("津", "ツ"),
    ("岡", "オカ"), ("松", "マツ"), ("森", "モリ"), ("木", "キ"), ("石", "イシ"),
    ("井", "イ"), ("本", "モト"), ("宮", "ミヤ"), ("坂", "サカ"), ("谷", "タニ"),
    ("江", "エ"), ("富", "トミ"), ("長", "ナガ"), ("安", "ヤス"), ("美", "ミ"),
    ("桜", "サクラ"), ("若", "ワカ"), ("鶴", "ツル"), ("青", "アオ"), ("白", "シロ"),
    ("黒", "クロ"), ("広", "ヒロ"), ("福", "フク"), ("豊", "トヨ"), ("栄", "サカエ"),
)  # fmt: skip
SUFFIXES = {"市": "シ", "町": "マチ", "村": "ムラ", "区": "ク"}


@dataclass(frozen=True)
class LocalGovernmentRow:
    code: str
    name: str
    kana: str
    prefecture_code: str
    prefecture: str
    kind: str
    is_core_city: bool
    is_central_core_city: bool
    search_key: str


def _split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as integers allow (the first get one more)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class _Names:
    """Place names unique within a prefecture, drawn from the fragments."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def draw(self, prefecture_code: str, suffix: str) -> tuple[str, str]:
        while True:
            (k1, r1), (k2, r2) = self.rng.sample(FRAGMENTS, 2)
            if (prefecture_code, k1 + k2) not in self.used:
                self.used.add((prefecture_code, k1 + k2))
                return k1 + k2 + suffix, r1 + r2 + SUFFIXES[suffix]


def _row(code: str, name: str, kana: str, kind: LocalGovernmentKind) -> LocalGovernmentRow:
    prefecture = PREFECTURES[code[:2]]
    return LocalGovernmentRow(
        code=code,
        name=name,
        kana=kana,
        prefecture_code=code[:2],
        prefecture=prefecture,
        kind=str(kind),
        is_core_city=False,
        is_central_core_city=False,
        search_key=search_key_for(name=name, kana=kana, prefecture=prefecture, kind=str(kind)),
    )


def _municipalities(rng: random.Random, names: _Names) -> list[LocalGovernmentRow]:
    rows = []
    cities = _split(CITIES, len(PREFECTURES))
    towns = _split(TOWNS_AND_VILLAGES, len(PREFECTURES))
    for i, pref in enumerate(sorted(PREFECTURES)):
        for n in range(cities[i]):
            name, kana = names.draw(pref, "市")
            rows.append(
                _row(with_check_digit(f"{pref}{201 + n}"), name, kana, LocalGovernmentKind.CITY)
            )
        for n in range(towns[i]):
            # Districts (郡) number their towns and villages 3xx … 7xx.
            number = f"{3 + n % 5}{n // 5 * 2 + 1:02d}"
            suffix = "村" if rng.random() < VILLAGE_SHARE else "町"
            name, kana = names.draw(pref, suffix)
            code = with_check_digit(f"{pref}{number}")
            rows.append(_row(code, name, kana, LocalGovernmentKind.TOWN_OR_VILLAGE))
    return rows


def plan(seed: int = 1788) -> list[LocalGovernmentRow]:
    """All 1,788, ordered by code; the same list for the same ``seed``."""
    rng = random.Random(seed)
    names = _Names(rng)
    rows = [
        _row(with_check_digit(f"{pref}000"), name, "", LocalGovernmentKind.PREFECTURE)
        for pref, name in PREFECTURES.items()
    ]
    rows += [
        _row(with_check_digit(five), name, "", LocalGovernmentKind.DESIGNATED_CITY)
        for five, name in DESIGNATED_CITIES.items()
    ]
    for number in range(13101, 13101 + SPECIAL_WARDS):
        name, kana = names.draw("13", "区")
        rows.append(
            _row(with_check_digit(str(number)), name, kana, LocalGovernmentKind.SPECIAL_WARD)
        )
    rows += _municipalities(rng, names)
    return _flag_core_cities(rng, sorted(rows, key=lambda r: r.code))


def _flag_core_cities(
    rng: random.Random, rows: list[LocalGovernmentRow]
) -> list[LocalGovernmentRow]:
    cities = [r.code for r in rows if r.kind == LocalGovernmentKind.CITY]
    core = set(rng.sample(cities, CORE_CITIES))
    # Every 中核市 is a 中枢中核都市 candidate; the rest are other large cities.
    central = core | set(rng.sample(sorted(set(cities) - core), CENTRAL_CORE_CITIES - CORE_CITIES))
    return [
        replace(r, is_core_city=r.code in core, is_central_core_city=r.code in central)
        for r in rows
    ]
