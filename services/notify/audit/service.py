"""What an operator does to mail, recorded in the same transaction as the act: a campaign
approved or withdrawn, one person's letter sent again and why."""

from __future__ import annotations

from libs.common.audit import AuditTrail
from services.notify.audit.models import AuditEvent

trail = AuditTrail(AuditEvent)
audited = trail.change
record = trail.record
