"""One mailbox, two forms: the address written to, and the key it is compared by.

The rule itself is the kernel's (``libs.common.email_identity``), shared with the registry's
contacts, so the two services never disagree on whether two addresses are one mailbox. Notify
writes to the address as its owner wrote it (the SMTP envelope and the To header: RFC 5321 lets
the receiving server treat the local part case-sensitively) and compares by the key (one delivery
per mailbox per campaign or message, suppressions, bounces, RSVPs).
"""

from __future__ import annotations

from dataclasses import dataclass

from libs.common.email_identity import address_key, canonical_address, identity_key


@dataclass(frozen=True)
class Mailbox:
    address: str  # as written (domain lower-cased): what mail is sent to
    key: str  # identity (local part lower-cased too): what is compared


def mailbox(raw: str, field: str = "email") -> Mailbox:
    """NFKC, RFC syntax (no DNS lookup); a 422 naming ``field`` when invalid."""
    address = canonical_address(raw, field)
    return Mailbox(address, address_key(address))


def normalise_email(raw: str, field: str = "email") -> str:
    """The identity key alone, for callers that only compare (filters, bounce reports)."""
    return identity_key(raw, field)
