"""One spelling per mailbox: the key deliveries, suppressions and de-duplication compare by."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from libs.common.errors import InvalidInput


def normalise_email(raw: str, field: str = "email") -> str:
    """NFKC, RFC syntax (no DNS lookup), then lower case throughout.

    The registry keeps a local part's case for display; notify compares mailboxes, which every
    real provider treats case-insensitively, so ``Hanako@Example.JP`` and ``hanako@example.jp``
    are one recipient and one suppression."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as err:
        raise InvalidInput.field(
            field, "email", f"メールアドレスの形式が正しくありません（{err}）"
        ) from err
    return result.normalized.lower()
