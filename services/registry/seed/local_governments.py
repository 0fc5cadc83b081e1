"""The local governments the seed document names as proposers or council members.

Codes are the official 全国地方公共団体コード and kana the official list's reading; both are
checked here with the same rules as any import. Core-city flags are not set: the seed says nothing
about them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

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
