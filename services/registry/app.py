"""The registry API: the system of record every other service asks."""

from __future__ import annotations

from fastapi import FastAPI

from libs.common import __version__
from libs.common.app import create_service_app
from libs.common.settings import Settings, get_settings
from services.registry.audit.router import router as audit_router
from services.registry.models import load_all_models, outbox

load_all_models()

ROUTERS = [
    audit_router,
]

DESCRIPTION = """
台帳サービス — the registry of 未来技術社会実装事業: local governments, projects and their support
terms, implementation councils (地域実装協議会), contacts, programmes and grant schemes, symposia.

Errors are RFC 9457 `application/problem+json`. Authenticate with `Authorization: Bearer <JWT>`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings("registry"),
        title="jisso registry",
        description=DESCRIPTION,
        version=__version__,
        routers=ROUTERS,
        outbox=outbox,
    )
