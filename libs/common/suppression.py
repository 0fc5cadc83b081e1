"""配信停止の理由 — suppression reasons accumulate and the strongest one is in effect.

Notify's suppression store and the registry's contacts keep the same record: each kind reported,
with its first report's words, when and who, in arrival order; the effective kind is the
strongest among them. A
later, weaker report (a bounce with no words, after an unsubscribe) thus never erases what the
person said, and lifting is the only way back (an operator's deliberate act).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Weakest first. A bounce outranks an unsubscribe: the mailbox no longer exists, whatever the
# person asked, and it is the reason an operator must act on (find a new address).
SUPPRESSION_KINDS: tuple[str, ...] = ("unsubscribed", "bounced")


def strength(kind: str) -> int:
    return SUPPRESSION_KINDS.index(kind) if kind in SUPPRESSION_KINDS else -1


@dataclass(frozen=True)
class Suppressed:
    """The record after a report: every reason, the one in effect, and whether anything new."""

    reasons: list[dict[str, Any]]
    state: str
    reason: str
    at: datetime
    changed: bool


def add_reason(
    reasons: list[dict[str, Any]] | None, *, state: str, reason: str, at: datetime, by: str
) -> Suppressed:
    """``reasons`` with this one added, unless its kind is recorded already: one entry per kind,
    its first report, so a retried or repeated report (the same unsubscribe by link, then by
    one-click) changes nothing. The effective kind is the strongest recorded."""
    kept = list(reasons or [])
    changed = not any(r["state"] == state for r in kept)
    if changed:
        kept.append({"state": state, "reason": reason, "at": at.isoformat(), "by": by})
    effective = max(kept, key=lambda r: strength(r["state"]))
    return Suppressed(
        reasons=kept,
        state=effective["state"],
        reason=effective["reason"],
        at=datetime.fromisoformat(effective["at"]),
        changed=changed,
    )
