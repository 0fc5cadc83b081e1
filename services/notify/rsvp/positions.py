"""Where a person stands now (現在のご回答とキャンセル待ちの順番), for the pages.

The RSVP page shows the answer already recorded when a link is opened again; a waitlisted person
also reads their place in line (キャンセル待ち n 番目), which changes as others decline. The rules
that move people in line stay in service.py; this only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.rsvp import repository
from services.notify.rsvp.service import LinkHolder, current_answer


@dataclass(frozen=True)
class Standing:
    """The recorded answer: attending | waitlisted | declined, and the place in line if waiting."""

    response: str
    position: int | None  # 1 for the first in line; None unless waitlisted


async def standing_of(session: AsyncSession, holder: LinkHolder) -> Standing | None:
    """None before the person has answered."""
    rsvp = await current_answer(session, holder)
    if rsvp is None:
        return None
    if rsvp.response != "waitlisted":
        return Standing(rsvp.response, None)
    return Standing(rsvp.response, await repository.waitlist_position(session, rsvp))
