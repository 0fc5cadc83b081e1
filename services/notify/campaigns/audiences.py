"""宛先の規則 — who each kind of symposium letter goes to, in one table.

Manual campaigns (``POST /v1/campaigns`` with its ``audience``) and the scheduled ones
(``campaigns/reminders.py``) both resolve their recipients through :data:`AUDIENCES`, so a reminder
can never again reach someone who has answered. docs/notify.md shows the table between
``<!-- audience-rules -->`` markers, rewritten by ``jisso docs`` and checked by the docs drift test.
"""

from __future__ import annotations

import re
import uuid
from enum import StrEnum

from libs.common.errors import InvalidInput


class Audience(StrEnum):
    """Who a letter is written to. "Invited" means a sent delivery of an approved invitation."""

    not_yet_invited = "not_yet_invited"
    all = "all"
    contacts = "contacts"
    unanswered = "unanswered"
    attending = "attending"
    not_declined = "not_declined"
    promoted = "promoted"


# kind → the audiences it takes, its default first. A waitlisted person has answered (キャンセル待ち
# is an answer: they asked to attend), so no "unanswered" reminder goes to them.
AUDIENCES: dict[str, tuple[Audience, ...]] = {
    "invitation": (Audience.not_yet_invited, Audience.all, Audience.contacts),
    "reminder": (Audience.unanswered, Audience.attending),
    "update": (Audience.not_declined,),
    "cancellation": (Audience.not_declined,),
    "promotion": (Audience.promoted,),
}

# Kinds drafted as campaigns; a promotion is written by the RSVP service to the promoted person.
CAMPAIGN_KINDS = ("invitation", "reminder", "update", "cancellation")

MEANING: dict[Audience, str] = {
    Audience.not_yet_invited: "対象者のうちまだ案内を受け取っていない人（初回は対象者全員）"
    " / the registry audience less every mailbox an earlier invitation reached or is reaching"
    " (the whole audience the first time; failed and bounced deliveries do not count as reached)",
    Audience.all: "シンポジウムの対象者全員（既に案内した人にも再送）"
    " / the whole registry audience again, including those already invited",
    Audience.contacts: "指定した連絡先のみ（`contact_ids`、対象者でなくてもよい）"
    " / only the contacts named in `contact_ids` (registry contacts, in the audience or not)",
    Audience.unanswered: "案内を送った人のうち出欠の回答がない人"
    "（出席・欠席・キャンセル待ちは回答済み）"
    " / invited and not answered (attending, declined and waitlisted have answered)",
    Audience.attending: "案内を送った人のうち出席と回答した人（前日のリマインド）"
    " / invited and attending (the day-before reminder)",
    Audience.not_declined: "案内を送った人のうち欠席と回答していない人"
    "（出席・キャンセル待ち・未回答）"
    " / everyone invited who has not declined",
    Audience.promoted: "キャンセル待ちから繰り上がった本人のみ / the promoted person only",
}


def resolve(kind: str, requested: str | None, field: str = "body.audience") -> Audience:
    """The audience a ``kind`` letter goes to: the requested one if the kind takes it, else its
    default. One the kind does not take is a 422 naming the field and listing what it takes."""
    allowed = AUDIENCES[kind]
    if requested is None:
        return allowed[0]
    for audience in allowed:
        if audience.value == requested:
            return audience
    names = ", ".join(a.value for a in allowed)
    raise InvalidInput.field(
        field,
        "audience_for_kind",
        f"{kind} の宛先に {requested!r} は指定できません（{kind} takes: {names}）",
        kind=kind,
        allowed=[a.value for a in allowed],
    )


def check_contact_ids(audience: Audience, contact_ids: list[uuid.UUID] | None) -> None:
    """``contact_ids`` goes with the ``contacts`` audience, and only with it."""
    if audience is Audience.contacts and not contact_ids:
        raise InvalidInput.field(
            "body.contact_ids",
            "required_for_audience",
            "宛先 contacts には contact_ids が必要です（audience contacts needs contact_ids）",
        )
    if audience is not Audience.contacts and contact_ids:
        raise InvalidInput.field(
            "body.contact_ids",
            "only_with_contacts_audience",
            f"contact_ids は宛先 contacts のときだけ指定できます（audience is {audience.value}）",
        )


def markdown() -> str:
    """The table as docs/notify.md shows it."""
    lines = [
        "| kind | audience (default first) | who receives it |",
        "|---|---|---|",
    ]
    for kind, audiences in AUDIENCES.items():
        names = ", ".join(f"`{a.value}`" for a in audiences)
        who = "<br>".join(f"`{a.value}`: {MEANING[a]}" for a in audiences)
        via = "" if kind in CAMPAIGN_KINDS else " (not a campaign: sent by the RSVP service)"
        lines.append(f"| `{kind}`{via} | {names} | {who} |")
    return "\n".join(lines)


_BLOCK = re.compile(r"(<!-- audience-rules -->\n)(.*?)(<!-- /audience-rules -->)", re.DOTALL)


def sync_markdown(text: str) -> str:
    """Rewrite the ``<!-- audience-rules -->`` block of a docs page from :data:`AUDIENCES`."""
    return _BLOCK.sub(lambda m: f"{m.group(1)}{markdown()}\n{m.group(3)}", text)


def documented(text: str) -> bool:
    return _BLOCK.search(text) is not None
