"""監査証跡 — the notify service's audit trail (columns in libs.common.audit)."""

from __future__ import annotations

from libs.common.audit import AuditEventColumns
from services.notify.models import Base


class AuditEvent(AuditEventColumns, Base):
    pass
