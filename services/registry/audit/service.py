"""Record every change in the audit trail, in the same transaction as the change itself."""

from __future__ import annotations

from libs.common.audit import AuditTrail
from services.registry.audit.models import AuditEvent

trail = AuditTrail(AuditEvent)
record = trail.record
record_many = trail.record_many
