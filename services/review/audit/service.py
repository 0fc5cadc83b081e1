"""Record every transition in the audit trail, in the same transaction as the transition itself."""

from __future__ import annotations

from libs.common.audit import AuditTrail
from services.review.audit.models import AuditEvent

trail = AuditTrail(AuditEvent)
record = trail.record
record_many = trail.record_many
