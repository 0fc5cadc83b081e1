"""Record every change in the audit trail, in the same transaction as the change itself.

``audited`` is the one way a registry change of an entity is applied and audited (before,
after, version step); ``record`` is for events that are not one entity's before and after.
"""

from __future__ import annotations

from libs.common.audit import AuditTrail
from services.registry.audit.models import AuditEvent

trail = AuditTrail(AuditEvent)
audited = trail.change
record = trail.record
record_many = trail.record_many
