"""The review API: continuation reviews and the smart-city joint review."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from libs.common import __version__
from libs.common.app import create_service_app
from libs.common.settings import Settings, get_settings
from services.review.audit.router import router as audit_router
from services.review.continuation.applications.router import router as applications_router
from services.review.continuation.assessments.router import router as assessments_router
from services.review.continuation.cycles.router import router as cycles_router
from services.review.continuation.decisions.router import router as decisions_router
from services.review.joint_review.router import router as joint_review_router
from services.review.models import idempotency_keys, load_all_models, outbox
from services.review.reviewers.aliases.router import router as aliases_router
from services.review.reviewers.router import router as reviewers_router

load_all_models()

ROUTERS: list[APIRouter] = [
    joint_review_router,
    reviewers_router,
    aliases_router,
    cycles_router,
    applications_router,
    assessments_router,
    decisions_router,
    audit_router,
]

DESCRIPTION = """
審査サービス — continuation reviews (継続審査) of 未来技術社会実装事業 projects and the smart-city
joint review (合同審査) across five programmes, with deadlines that drive state.

Errors are RFC 9457 `application/problem+json`. Authenticate with `Authorization: Bearer <JWT>`.
"""


TAGS = [
    {
        "name": "continuation",
        "description": (
            "継続審査 — continuation cycles, applications, reviewer assignments, assessments and "
            "decisions"
        ),
    },
    {
        "name": "joint-review",
        "description": (
            "合同審査 — joint-review rounds, applications, assessments, selections and published "
            "results"
        ),
    },
    {
        "name": "reviewers",
        "description": "審査員 — reviewers, their conflicts of interest and organisation aliases",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        openapi_tags=TAGS,
        settings=settings or get_settings("review"),
        title="jisso review",
        description=DESCRIPTION,
        version=__version__,
        routers=ROUTERS,
        outbox=outbox,
        idempotency_keys=idempotency_keys,
    )
