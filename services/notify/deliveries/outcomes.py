"""What an SMTP answer means for a delivery: retry later, give up, or a bounce."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from libs.common.queue import utcnow
from services.notify.config import NotifySettings
from services.notify.deliveries.states import DeliveryEvent, DeliveryState

# RCPT answers that say the mailbox does not exist or will never take mail (RFC 5321 4.2.2,
# RFC 3463 X.1.x): a hard bounce, which suppresses the address.
_MAILBOX_REJECTIONS = frozenset({550, 551, 553})
RETRYING, FAILED, BOUNCED = DeliveryState.retrying, DeliveryState.failed, DeliveryState.bounced
# The event of the delivery machine that each verdict fires.
_EVENTS = {RETRYING: DeliveryEvent.retry, FAILED: DeliveryEvent.fail, BOUNCED: DeliveryEvent.bounce}


@dataclass(frozen=True)
class Verdict:
    state: DeliveryState  # retrying | failed | bounced
    error: str
    next_attempt_at: datetime | None = None

    @property
    def event(self) -> DeliveryEvent:
        return _EVENTS[self.state]

    def within(self, attempts: int, notify: NotifySettings) -> Verdict:
        """A retry gets its time; the last allowed attempt's retry becomes ``failed``."""
        if self.state != RETRYING:
            return self
        if attempts >= notify.max_attempts:
            return Verdict(FAILED, f"gave up after {attempts} attempts: {self.error}")
        return replace(self, next_attempt_at=backoff_until(attempts, notify))


def transient(error: str) -> Verdict:
    return Verdict(RETRYING, error[:1000])


def judge(code: int, message: str, *, stage: str) -> Verdict:
    """4xx: try again later. 5xx: permanent; at RCPT, a rejected mailbox is a bounce."""
    error = f"{code} {message}"[:1000]
    if 400 <= code < 500:
        return Verdict(RETRYING, error)
    if stage == "rcpt" and (code in _MAILBOX_REJECTIONS or message.startswith("5.1.")):
        return Verdict(BOUNCED, error)
    if code >= 500:
        return Verdict(FAILED, error)
    # Anything else (a malformed reply, a 3xx where none belongs) is the server's trouble.
    return Verdict(RETRYING, error)


def backoff_until(attempts: int, notify: NotifySettings) -> datetime:
    """base · 2^(attempts-1) seconds, capped, with jitter so a failed batch does not return at
    once."""
    delay = min(notify.backoff_max_seconds, notify.backoff_base_seconds * 2 ** max(attempts - 1, 0))
    delay = delay / 2 + random.uniform(0, delay / 2)
    return utcnow() + timedelta(seconds=delay)
