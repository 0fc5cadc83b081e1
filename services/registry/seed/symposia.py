"""未来技術実装ミニシンポジウム of FY2021 (開催予定) and FY2020 (開催実績), as the seed states them.

The seed gives no capacity and no join URL, so none is stored. It states the invited categories
(参加対象者) for FY2021 only — the fourth for local-government staff alone — so the FY2020 sessions,
held before, carry no audience policy. It states a format only for FY2021 (※web開催予定: web);
FY2020's 開催実績 states none, so their format is null.

A symposium whose end has passed when the seed runs is held (開催済み), measured against the real
clock, not the document's date (令和4年2月9日): the document announces the fourth FY2021 session
as 予定, and today it is a session that took place. The seed holds them through the same sweep
the registry worker runs daily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO, now_tokyo
from services.registry.symposia import service

ACTOR = "seed"
WEB = "web"  # ○令和3年度開催予定 ※web開催予定
# 国、地方公共団体、学校、民間企業、住民代表等
FY2021_AUDIENCE = (
    "national_government",
    "local_government",
    "school",
    "private_company",
    "resident_representative",
)


@dataclass(frozen=True)
class SeedSymposium:
    fiscal_year: int
    number: int
    theme: str
    day: tuple[int, int, int]
    starts: tuple[int, int]
    ends: tuple[int, int]
    audience: tuple[str, ...]
    tentative: bool = False
    format: str | None = None  # only where the seed states it

    def fields(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "starts_at": datetime(*self.day, *self.starts, tzinfo=TOKYO),
            "ends_at": datetime(*self.day, *self.ends, tzinfo=TOKYO),
            "format": self.format,
            "audience": list(self.audience),
            "tentative": self.tentative,
        }


SYMPOSIA: tuple[SeedSymposium, ...] = (
    SeedSymposium(
        2021, 1, "物流・農業", (2021, 10, 1), (13, 30), (15, 0), FY2021_AUDIENCE, format=WEB
    ),
    SeedSymposium(
        2021, 2, "MaaS・自動運転", (2021, 10, 26), (14, 0), (15, 30), FY2021_AUDIENCE, format=WEB
    ),
    SeedSymposium(
        2021, 3, "ヘルスケア", (2021, 12, 16), (13, 30), (15, 0), FY2021_AUDIENCE, format=WEB
    ),
    SeedSymposium(
        2021,
        4,
        "共通の課題",
        (2022, 2, 17),
        (13, 30),
        (15, 0),
        ("local_government",),
        tentative=True,
        format=WEB,
    ),
    SeedSymposium(2020, 1, "ドローン", (2020, 12, 4), (10, 0), (11, 30), ()),
    SeedSymposium(2020, 2, "自動運転", (2020, 12, 23), (10, 0), (11, 45), ()),
    SeedSymposium(2020, 3, "スマート農業", (2021, 2, 17), (10, 0), (11, 45), ()),
)


async def seed_symposia(session: AsyncSession) -> None:
    """Add each missing symposium; bring a stored one back to the seed's facts if it drifted.

    Both go through the symposia service, as an operator's would. Fields the seed does not state
    (join URL, capacity, status) are left as operators set them, except that every symposium
    whose end has passed is held (the daily sweep's rule, applied now).
    """
    for seed in SYMPOSIA:
        existing = await service.find_symposium(
            session, fiscal_year=seed.fiscal_year, number=seed.number
        )
        if existing is None:
            await service.add_symposium(
                session,
                actor=ACTOR,
                fiscal_year=seed.fiscal_year,
                number=seed.number,
                details=seed.fields(),
            )
        else:
            await service.correct_symposium(
                session, actor=ACTOR, symposium=existing, facts=seed.fields()
            )
    await service.hold_ended(session, as_of=now_tokyo(), actor=ACTOR)
