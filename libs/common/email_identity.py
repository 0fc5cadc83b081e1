"""When two e-mail addresses are one mailbox: the one rule every service compares addresses by.

Two forms of an address:

- ``canonical_address``: how it is stored and written to — NFKC (full-width letters typed on a
  Japanese keyboard become ASCII), RFC syntax checked by email-validator (no DNS lookup), the
  domain lower-cased (DNS ignores case), the local part kept as its owner wrote it.
- ``address_key``: its identity — the canonical form with the local part lower-cased too.
  RFC 5321 lets a server treat local parts case-sensitively, but no provider our users have does,
  so ``Hanako@example.jp`` and ``hanako@example.jp`` are one contact, one recipient of a campaign,
  one suppression and one bounce. Python's ``str.lower`` is the rule, computed here and stored,
  never re-derived with SQL ``lower()``, whose result on non-ASCII letters depends on the collation.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from libs.common.errors import InvalidInput


def canonical_address(raw: str, field: str = "email") -> str:
    """The address as stored and sent to; 422 naming ``field`` with rule ``email`` when invalid."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as err:
        raise InvalidInput.field(
            field, "email", f"メールアドレスの形式が正しくありません（{err}）"
        ) from err
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def address_key(canonical: str) -> str:
    """The identity of a canonical address (see the module docstring)."""
    return canonical.lower()


def identity_key(raw: str, field: str = "email") -> str:
    """Validate ``raw`` and give its identity in one step (for callers that only compare)."""
    return address_key(canonical_address(raw, field))
