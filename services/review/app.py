"""The review API: continuation reviews and the smart-city joint review."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from libs.common import __version__
from libs.common.app import create_service_app
from libs.common.settings import Settings, get_settings
from services.review.models import idempotency_keys, load_all_models, outbox

load_all_models()

ROUTERS: list[APIRouter] = []

DESCRIPTION = """
審査サービス — continuation reviews (継続審査) of 未来技術社会実装事業 projects and the smart-city
joint review (合同審査) across five programmes, with deadlines that drive state.

Errors are RFC 9457 `application/problem+json`. Authenticate with `Authorization: Bearer <JWT>`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings("review"),
        title="jisso review",
        description=DESCRIPTION,
        version=__version__,
        routers=ROUTERS,
        outbox=outbox,
        idempotency_keys=idempotency_keys,
    )
