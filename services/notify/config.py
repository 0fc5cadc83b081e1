"""Notify's own knobs (``NOTIFY_…``): send rate, retries, reminders and the sender's identity.

Kept apart from the shared ``Settings`` because only notify reads them. The prefix is shared with
the per-service overrides of ``Settings`` (``NOTIFY_SMTP_URL`` …); each class ignores the other's.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", env_file=None)

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
    sender_address: str = "office@jisso.invalid"
    sender_name: str = "内閣府地方創生推進事務局 未来技術実装担当"
    # A delivery left in `sending` longer than this (its sender died) is claimed again.
    sending_lease_seconds: float = Field(default=300.0, gt=0)


@lru_cache
def get_notify_settings() -> NotifySettings:
    return NotifySettings()
