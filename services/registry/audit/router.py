"""``GET /v1/audit`` — the registry's audit trail, for operators."""

from services.registry.audit.service import trail

router = trail.router(subject_example="project:0b6f2c1e-…")
