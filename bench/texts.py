"""Synthetic Japanese text for generated rows: project titles and sections, people, organisations.

Lengths are those of the seed document's real entries (a title of 30–60 characters, sections of a
few sentences), so row widths — and so the bytes every benchmark moves — are realistic.
"""

from __future__ import annotations

import random

from services.registry.projects.schemas import Technology

THEMES = (
    "生活交通の確保",
    "物流の効率化",
    "高齢者の見守り",
    "農業の省力化",
    "観光の活性化",
    "防災力の向上",
    "医療へのアクセス改善",
    "教育の質の向上",
    "行政手続きの簡素化",
    "地域エネルギーの活用",
)
ISSUES = (
    "人口減少と高齢化により公共交通の維持が難しくなっている。",
    "中山間地域では買い物や通院の移動手段が限られている。",
    "担い手不足で農地の維持管理が困難になりつつある。",
    "災害時の情報伝達と避難支援に課題がある。",
    "観光客の回遊性が低く、消費が中心部に偏っている。",
    "医師不足により専門医療を受けるまでの距離と時間が大きい。",
)
INITIATIVES = (
    "ドローン物流事業",
    "自動運転バスの実証運行",
    "遠隔診療の導入",
    "データ連携基盤の構築",
    "スマート農業の実装",
    "オンライン教育の推進",
    "キャッシュレス決済の普及",
)
FAMILY = (
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
    ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"),
    ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
    ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"), ("井上", "inoue"),
)  # fmt: skip
GIVEN = (
    ("花子", "hanako"), ("太郎", "taro"), ("陽菜", "hina"), ("健", "ken"), ("美咲", "misaki"),
    ("翔", "sho"), ("結衣", "yui"), ("大輔", "daisuke"), ("葵", "aoi"), ("誠", "makoto"),
    ("さくら", "sakura"), ("拓也", "takuya"),
)  # fmt: skip
COMPANIES = (
    "未来モビリティ",
    "スマートロジ",
    "地域データ",
    "ひかり通信",
    "みどりアグリ",
    "あおば総研",
)
UNIVERSITIES = ("国立工科大学", "県立大学", "地域創生大学")
PUBLIC_BODIES = ("商工会議所", "観光協会", "(公財)産業振興公社", "社会福祉協議会")
MINISTRIES = ("内閣府", "総務省", "経済産業省", "国土交通省")
CATEGORIES = (
    ("local_government", 0.45),
    ("private_company", 0.2),
    ("school", 0.1),
    ("resident_representative", 0.1),
    ("national_government", 0.05),
    ("other", 0.1),
)
DOMAINS = {
    "local_government": "city.example.lg.jp",
    "private_company": "example.co.jp",
    "school": "school.example.ed.jp",
    "resident_representative": "example.ne.jp",
    "national_government": "example.go.jp",
    "other": "example.or.jp",
}
TECHNOLOGIES = [t.value for t in Technology]


def title(rng: random.Random, place: str, technologies: list[str]) -> str:
    theme = rng.choice(THEMES)
    return f"{place}における{'・'.join(technologies)}を活用した{theme}事業"


def section(rng: random.Random, sentences: int) -> str:
    return "".join(rng.choice(ISSUES) for _ in range(sentences))


def vision(rng: random.Random, place: str) -> str:
    first, second = rng.sample(THEMES, 2)
    return (
        f"{place}では、{first}と{second}を両立し、誰もが安心して暮らし続けられる地域を目指す。"
        + section(rng, 1)
    )


def person(rng: random.Random) -> tuple[str, str]:
    """(name, romaji for the address)."""
    (family, f_romaji), (given, g_romaji) = rng.choice(FAMILY), rng.choice(GIVEN)
    return f"{family} {given}", f"{g_romaji}.{f_romaji}"


def category(rng: random.Random) -> str:
    pick, total = rng.random(), 0.0
    for name, share in CATEGORIES:
        total += share
        if pick < total:
            return name
    return CATEGORIES[-1][0]


def phone(rng: random.Random) -> str:
    return f"0{rng.randint(11, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
