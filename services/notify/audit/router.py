"""``GET /v1/audit`` — the notify service's audit trail, for operators."""

from services.notify.audit.service import trail

router = trail.router(subject_example="delivery:5f1c2a52-9a57-4c3e-8c39-0b6c4b7f7a10")
