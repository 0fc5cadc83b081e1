"""The calendar attachment of symposium mails (RFC 5545 / iTIP RFC 5546).

One UID per symposium, so every client updates the same entry; SEQUENCE is the registry's counter
(raised on each change of time, format or join URL), so a later REQUEST replaces an earlier one and
CANCEL removes it. Times carry ``TZID=Asia/Tokyo`` with its VTIMEZONE, as Outlook requires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from libs.common.fiscal_year import TOKYO
from libs.common.queue import utcnow
from services.notify.textformat import as_instant, symposium_title

IcsMethod = Literal["REQUEST", "CANCEL"]
PRODID = "-//jisso//notify//JA"
# VTIMEZONE rules for the years a symposium can plausibly be on (Japan has had no DST since 1951).
_TOKYO_VTIMEZONE = Timezone.from_tzid(
    "Asia/Tokyo", first_date=datetime(2000, 1, 1).date(), last_date=datetime(2100, 1, 1).date()
)


def symposium_uid(symposium_id: object) -> str:
    return f"symposium-{symposium_id}@jisso"


def build_ics(
    symposium: dict[str, Any],
    *,
    method: IcsMethod,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    description: str = "",
) -> bytes:
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
            attendee=_address(attendee_email, attendee_name, attendee=True),
            description=description,
        )
    )
    return calendar.to_ical()


def _event(
    symposium: dict[str, Any],
    *,
    method: IcsMethod,
    organizer: vCalAddress,
    attendee: vCalAddress,
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
    event.add("attendee", attendee)
    return event


def _address(email: str, name: str, *, attendee: bool = False) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    if attendee:
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
    return address
