"""The local governments the seed document names as proposers or council members.

Codes are the official 全国地方公共団体コード and kana the official list's reading; both are
checked here with the same rules as any import.

Designations are not in the seed document: they are taken from the official lists as of
2021-04-01 (the first day of FY2021, the year the document reports on): 富山市 (中核市 since
1996), 岐阜市 (1996) and 福山市 (1998) are 中核市 and, outside the Tokyo area, among the
中枢中核都市 of December 2018; 仙北市 and 秩父市 are neither; a prefecture is never either. They go
in through the same function as a designation import, so a newer list an operator imported is
kept (the newest 基準日 wins) and a second run changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.local_governments.designations import Designation, apply_designations
from services.registry.local_governments.service import Entry, check_entry, upsert_entries

SENBOKU = "052159"  # 秋田県仙北市 — 令和元年度選定, continued 令和3年12月17日
TOYAMA = "162019"  # 富山県富山市 — 同
GIFU = "212016"  # 岐阜県岐阜市 — 同
SHIZUOKA_PREFECTURE = "220001"  # 静岡県 — 同
FUKUYAMA = "342076"  # 広島県福山市 — 同
SAITAMA_PREFECTURE = "110001"  # 埼玉県 — member of 秩父市 未来技術社会実装協議会
CHICHIBU = "112071"  # 埼玉県秩父市 — 令和2年度選定 (事例集)

# (code, name, kana)
LOCAL_GOVERNMENTS: tuple[tuple[str, str, str], ...] = (
    (SENBOKU, "仙北市", "センボクシ"),
    (SAITAMA_PREFECTURE, "埼玉県", "サイタマケン"),
    (CHICHIBU, "秩父市", "チチブシ"),
    (TOYAMA, "富山市", "トヤマシ"),
    (GIFU, "岐阜市", "ギフシ"),
    (SHIZUOKA_PREFECTURE, "静岡県", "シズオカケン"),
    (FUKUYAMA, "福山市", "フクヤマシ"),
)


DESIGNATIONS_AS_OF = date(2021, 4, 1)
DESIGNATIONS_SOURCE = (
    "総務省「指定都市・中核市・施行時特例市一覧」（令和3年4月1日現在）、"
    "内閣官房・内閣府「中枢中核都市一覧」（平成30年12月）"
)
# code → (中核市, 中枢中核都市) as of DESIGNATIONS_AS_OF; every seeded local government is listed.
DESIGNATIONS: dict[str, tuple[bool, bool]] = {
    SENBOKU: (False, False),
    SAITAMA_PREFECTURE: (False, False),
    CHICHIBU: (False, False),
    TOYAMA: (True, True),
    GIFU: (True, True),
    SHIZUOKA_PREFECTURE: (False, False),
    FUKUYAMA: (True, True),
}


def seed_designations() -> list[Designation]:
    return [
        Designation(code, core, central, DESIGNATIONS_AS_OF, DESIGNATIONS_SOURCE)
        for code, (core, central) in DESIGNATIONS.items()
    ]


def seed_entries() -> list[Entry]:
    entries = []
    for code, name, kana in LOCAL_GOVERNMENTS:
        entry, problems = check_entry(code, name, kana)
        if entry is None:
            raise ValueError(f"seed local government {code} {name} is invalid: {problems}")
        entries.append(entry)
    return entries


async def seed_local_governments(session: AsyncSession) -> None:
    await upsert_entries(session, seed_entries(), actor="seed")
    await apply_designations(session, seed_designations(), actor="seed")
