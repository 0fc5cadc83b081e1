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
    """``symposium-<id>@jisso``, whatever the sender's domain: calendars match updates and
    cancellations by UID, so a UID that followed a settings change would orphan every entry
    already sent. A UID is an identifier, not an address (RFC 5545 3.8.4.7)."""
    return f"symposium-{symposium_id}@jisso"


@dataclass(frozen=True)
class Invitation:
    """A symposium's calendar, serialised once per campaign: each recipient's copy only adds its
    ATTENDEE line (serialising the whole calendar again cost more than the rest of a letter)."""

    head: bytes
    tail: bytes  # from END:VEVENT on

    def for_attendee(self, email: str, name: str, partstat: str = "NEEDS-ACTION") -> bytes:
        """The calendar for one reader; ``partstat`` is their answer so far (see PARTSTAT)."""
        attendee = _address(email, name, partstat=partstat)
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
            uid=symposium_uid(symposium["id"]),
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
    uid: str,
    method: IcsMethod,
    organizer: vCalAddress,
    description: str,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", int(symposium.get("sequence") or 0))
    event.add("dtstamp", utcnow())
    event.add("dtstart", as_instant(symposium["starts_at"]).astimezone(TOKYO))
    event.add("dtend", as_instant(symposium["ends_at"]).astimezone(TOKYO))
    event.add("summary", symposium_title(symposium))
    if description:
        event.add("description", description)
    # LOCATION is the venue where there is one (the URL then goes in URL and the body);
    # a web-only session's "place" is its URL.
    join_url = symposium.get("join_url")
    if join_url:
        event.add("url", join_url)
    location = symposium.get("venue") or join_url
    if location:
        event.add("location", vText(str(location)))
    cancelled = method == "CANCEL" or symposium.get("status") == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", organizer)
    return event


# The reader's answer as the calendar shows it. RSVP=FALSE: jisso does not read iTIP replies, so
# no calendar asks the reader to answer by calendar (the letter says to use its links).
PARTSTAT = {"attending": "ACCEPTED", "declined": "DECLINED", "waitlisted": "TENTATIVE"}


def partstat_of(response: str | None) -> str:
    return PARTSTAT.get(response or "", "NEEDS-ACTION")


def _address(email: str, name: str, *, partstat: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    if partstat is not None:  # an attendee
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText(partstat)
        address.params["rsvp"] = vText("FALSE")
    return address
