"""``jisso seed`` across the services: the registry's facts first, then the review's published
joint-review results, whose legend is the registry's programmes just seeded.

Part of the composition root (like ``cli.py`` and ``runtime.py``): it alone may hand one service's
data to another in-process. The review's seed needs the programmes as ``GET /v1/programmes`` shows
them, and during ``jisso up`` no API is serving yet, so they are read from the registry's database
here and passed on. Each service's part writes to its own database through its own unit of work and
is idempotent; a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from libs.common.settings import Settings


async def seed_services(
    registry: Settings,
    review: Settings,
    *,
    registry_only_if_empty: bool = False,
    report: Callable[[str], None] | None = None,
) -> list[str]:
    """Seed both services; one line per thing done, handed to ``report`` as each step ends (a
    person watching ``jisso seed`` sees it advance) and returned. ``registry_only_if_empty``:
    what ``jisso up`` does, so an operator's registry is never re-seeded under them (the review
    part is idempotent either way, so a registry seeded before the review had a seed still gets
    its FY2021 round)."""
    from services.registry import seed as registry_seed
    from services.review import seed as review_seed

    lines: list[str] = []

    def done(line: str) -> None:
        lines.append(line)
        if report is not None:
            report(line)

    if not registry_only_if_empty:
        changes = await registry_seed.run_seed(registry)
        done(
            f"台帳に初期データを登録しました（seeded the registry: {changes} changes）"
            if changes
            else "台帳の初期データ: 登録済み（registry already seeded, unchanged）"
        )
    elif await registry_seed.seed_if_empty(registry):
        done("loaded the seed facts into the empty registry")
    programmes = await registry_seed.seeded_programmes(registry)
    for line in await review_seed.run_seed(review, programmes=programmes):
        done(line)
    return lines
