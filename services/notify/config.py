"""Notify's own knobs (``NOTIFY_…``): send rate, retries, reminders and the sender's identity.

Kept apart from the shared ``Settings`` because only notify reads them. The prefix is shared with
the per-service overrides of ``Settings`` (``NOTIFY_SMTP_URL`` …); each class ignores the other's.

The sender's identity (差出人) is checked here, once, when a process starts: the shipped address is
a reserved ``.invalid`` placeholder refused outside development (as ``libs/common/settings.py``
refuses the development keys), Message-IDs and calendar UIDs are minted on the sender's domain
unless ``NOTIFY_MESSAGE_ID_DOMAIN`` says otherwise, and a DKIM key must come with its selector.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A reserved domain (RFC 2606): nothing can be sent from it or answered at it. The default, so a
# checkout runs without configuration; refused outside development and test.
DEVELOPMENT_SENDER_ADDRESS = "office@jisso.invalid"
# A host name (RFC 1123 labels): the right-hand side of Message-IDs and calendar UIDs.
_DOMAIN = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")


class NotifySettings(BaseSettings):
    # Inputs stay out of error messages: a refused DKIM key would otherwise be printed whole.
    model_config = SettingsConfigDict(
        env_prefix="NOTIFY_", extra="ignore", env_file=None, hide_input_in_errors=True
    )

    # The shared ENVIRONMENT (unprefixed, as libs.common.settings.Settings reads it): development
    # and test accept the placeholder sender, every other environment refuses it.
    environment: Literal["development", "test", "staging", "production"] = Field(
        default="development", validation_alias=AliasChoices("environment", "ENVIRONMENT")
    )

    # At most this many messages per second across one sender, whatever its concurrency.
    send_rate_per_second: float = Field(default=50.0, gt=0)
    # Parallel SMTP connections of one sender, each reused for many messages.
    send_concurrency: int = Field(default=5, ge=1)
    # Attempts before a delivery that keeps failing transiently is given up as failed.
    max_attempts: int = Field(default=8, ge=1)
    # Transient failures wait base · 2^(attempt-1) seconds (with jitter), at most max.
    backoff_base_seconds: float = Field(default=30.0, ge=0)
    backoff_max_seconds: float = Field(default=3600.0, ge=0)
    # Reminders to recipients who have not answered go out this many days before a symposium.
    reminder_days_before: int = Field(default=3, ge=0)
    sender_address: str = DEVELOPMENT_SENDER_ADDRESS
    sender_name: str = "内閣府地方創生推進事務局 未来技術実装担当"
    # Where replies go (Reply-To) and the calendar entry's ORGANIZER: the office's mailbox that a
    # person reads; empty: sender_address (which may be a no-reply address).
    reply_address: str = ""
    # The right-hand side of every Message-ID minted from now on; empty: the domain of
    # sender_address. (Calendar UIDs stay ``@jisso``: see letters/ics.py symposium_uid.)
    message_id_domain: str = ""
    # DKIM (RFC 6376): outgoing mail is signed when a key is set, either as PEM text or as a file
    # holding it (a mounted Secret), not both; the selector names the DNS record
    # ``<selector>._domainkey.<domain>``. The domain defaults to sender_address's.
    dkim_selector: str = ""
    dkim_domain: str = ""
    dkim_private_key: SecretStr = SecretStr("")
    dkim_private_key_file: str = ""
    # A delivery left in `sending` longer than this (its sender died) is claimed again.
    sending_lease_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _identity(self) -> NotifySettings:
        """Refuse the placeholder sender outside development; fill the domains from the
        sender's; check them and the DKIM key."""
        placeholder = _domain_of(self.sender_address).lower().endswith(".invalid")
        if placeholder and self.environment not in ("development", "test"):
            raise ValueError(
                "NOTIFY_SENDER_ADDRESS must be set to the office's real address, not "
                f"{self.sender_address} (ENVIRONMENT={self.environment})"
            )
        self.message_id_domain = self.message_id_domain or _domain_of(self.sender_address)
        self.dkim_domain = self.dkim_domain or _domain_of(self.sender_address)
        self.reply_address = self.reply_address or self.sender_address
        for variable, domain in (
            ("NOTIFY_MESSAGE_ID_DOMAIN", self.message_id_domain),
            ("NOTIFY_DKIM_DOMAIN", self.dkim_domain),
        ):
            if not _DOMAIN.fullmatch(domain):
                raise ValueError(f"{variable} must be a domain name such as example.go.jp")
        self._load_dkim_key()
        return self

    def _load_dkim_key(self) -> None:
        """The key file read once, here; the key checked to be an RSA key dkimpy can sign with."""
        pem = self.dkim_private_key.get_secret_value()
        if self.dkim_private_key_file:
            if pem:
                raise ValueError(
                    "set NOTIFY_DKIM_PRIVATE_KEY or NOTIFY_DKIM_PRIVATE_KEY_FILE, not both"
                )
            try:
                pem = Path(self.dkim_private_key_file).read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"NOTIFY_DKIM_PRIVATE_KEY_FILE cannot be read ({exc})") from None
        if not pem.strip():
            return
        if not self.dkim_selector:
            raise ValueError("NOTIFY_DKIM_SELECTOR must be set with a DKIM key")
        pem = pem.replace("\r\n", "\n").strip() + "\n"
        from dkim.crypto import UnparsableKeyError, parse_pem_private_key

        try:
            parse_pem_private_key(pem.encode("ascii"))
        except (UnparsableKeyError, UnicodeEncodeError):
            # The key itself never reaches the message (nor a log line).
            raise ValueError("the DKIM key is not an RSA private key in PEM") from None
        self.dkim_private_key = SecretStr(pem)

    @property
    def dkim_key(self) -> bytes | None:
        """The PEM to sign with, or None: mail goes out unsigned."""
        pem = self.dkim_private_key.get_secret_value()
        return pem.encode("ascii") if pem else None


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


@lru_cache
def get_notify_settings() -> NotifySettings:
    return NotifySettings()
