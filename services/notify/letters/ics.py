"""The calendar attachment of symposium mails (RFC 5545 / iTIP RFC 5546).

One UID per symposium, so every client updates the same entry; SEQUENCE is the registry's counter
(raised on each change of time, format or join URL), so a later REQUEST replaces an earlier one and
CANCEL removes it. Times carry ``TZID=Asia/Tokyo`` with its VTIMEZONE, as Outlook requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from icalendar import Calendar, Event, Timezone, vCalAddress, vText
from icalendar.parser import Contentline

from libs.common.fiscal_year import TOKYO
from libs.common.queue import utcnow
from services.notify.letters.textformat import as_instant, symposium_title

IcsMethod = Literal["REQUEST", "CANCEL"]
PRODID = "-//jisso//notify//JA"
# VTIMEZONE rules for the years a symposium can plausibly be on (Japan has had no DST since 1951).
_TOKYO_VTIMEZONE = Timezone.from_tzid(
    "Asia/Tokyo", first_date=datetime(2000, 1, 1).date(), last_date=datetime(2100, 1, 1).date()
)


def symposium_uid(symposium_id: object) -> str:
    return f"symposium-{symposium_id}@jisso"


@dataclass(frozen=True)
class Invitation:
    """A symposium's calendar, serialised once per campaign: each recipient's copy only adds its
    ATTENDEE line (serialising the whole calendar again cost more than the rest of a letter)."""

    head: bytes
    tail: bytes  # from END:VEVENT on

    def for_attendee(self, email: str, name: str) -> bytes:
        attendee = _address(email, name, attendee=True)
        line = Contentline.from_parts("ATTENDEE", attendee.params, attendee).to_ical()
        return self.head + line + b"\r\n" + self.tail


def invitation(
    symposium: dict[str, Any],
    *,
    method: IcsMethod,
    organizer_email: str,
    organizer_name: str,
    description: str = "",
) -> Invitation:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(_TOKYO_VTIMEZONE)
    calendar.add_component(
        _event(
            symposium,
            method=method,
            organizer=_address(organizer_email, organizer_name),
            description=description,
        )
    )
    head, end, rest = calendar.to_ical().rpartition(b"END:VEVENT\r\n")
    return Invitation(head=head, tail=end + rest)


def _event(
    symposium: dict[str, Any],
    *,
    method: IcsMethod,
    organizer: vCalAddress,
    description: str,
) -> Event:
    event = Event()
    event.add("uid", symposium_uid(symposium["id"]))
    event.add("sequence", int(symposium.get("sequence") or 0))
    event.add("dtstamp", utcnow())
    event.add("dtstart", as_instant(symposium["starts_at"]).astimezone(TOKYO))
    event.add("dtend", as_instant(symposium["ends_at"]).astimezone(TOKYO))
    event.add("summary", symposium_title(symposium))
    if description:
        event.add("description", description)
    join_url = symposium.get("join_url")
    if join_url:
        event.add("url", join_url)
        event.add("location", vText(join_url))
    cancelled = method == "CANCEL" or symposium.get("status") == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", organizer)
    return event


def _address(email: str, name: str, *, attendee: bool = False) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    if attendee:
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
    return address
