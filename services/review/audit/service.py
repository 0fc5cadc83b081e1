"""Record every transition in the audit trail, in the same transaction as the transition itself.

``audited`` is the one way a change of one row is applied and audited (before, after, version
step); most review events are state transitions, whose snapshot is ``state_of``. ``record`` is for
events that are not one row's before and after (a refusal, a registry's answer); ``record_many``
for the sweeps' set-based writes, one INSERT for thousands of events.
"""

from __future__ import annotations

import hashlib
from typing import Any

from libs.common.audit import AuditTrail
from services.review.audit.models import AuditEvent

trail = AuditTrail(AuditEvent)
audited = trail.change
record = trail.record
record_many = trail.record_many


def state_of(row: Any) -> dict[str, Any]:
    """The snapshot of a transition: the row's state (an event's notes add the why)."""
    return {"state": row.state}


def text_digest(text: str) -> dict[str, Any]:
    """A long text as an audit snapshot shows it: its length and a digest, enough to tell that
    and when it changed without copying it into the trail at every save (the row keeps it)."""
    return {"characters": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}
