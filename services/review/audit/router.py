"""``GET /v1/audit`` — the review service's audit trail, for operators."""

from services.review.audit.service import trail

router = trail.router(subject_example="continuation_project:<cycle id>:<project id>")
