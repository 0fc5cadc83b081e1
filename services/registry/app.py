"""The registry API: the system of record every other service asks."""

from __future__ import annotations

from fastapi import FastAPI

from libs.common import __version__
from libs.common.app import create_service_app
from libs.common.settings import Settings, get_settings
from services.registry.audit.router import router as audit_router
from services.registry.contacts.router import router as contacts_router
from services.registry.councils.router import router as councils_router
from services.registry.figures.router import router as figures_router
from services.registry.local_governments.csv_file import MAX_BYTES as MAX_LG_IMPORT_BYTES
from services.registry.local_governments.designation_file import (
    MAX_BYTES as MAX_DESIGNATION_BYTES,
)
from services.registry.local_governments.router import router as local_governments_router
from services.registry.models import idempotency_keys, load_all_models, outbox
from services.registry.programmes.router import grant_schemes_router, programmes_router
from services.registry.projects.reports_router import router as project_reports_router
from services.registry.projects.router import MAX_IMPORT_BYTES
from services.registry.projects.router import router as projects_router
from services.registry.projects.terms_router import router as project_terms_router
from services.registry.symposia.router import router as symposia_router

load_all_models()

# The CSV imports take files up to their own caps (answered with a 422 naming the cap); the slack
# is multipart framing, so only a body far past the cap meets the kernel's 413.
MULTIPART_SLACK = 1024 * 1024
UPLOAD_LIMITS = {
    "/v1/local-governments/imports": MAX_LG_IMPORT_BYTES + MULTIPART_SLACK,
    "/v1/local-governments/designations/imports": MAX_DESIGNATION_BYTES + MULTIPART_SLACK,
    "/v1/projects/imports": MAX_IMPORT_BYTES + MULTIPART_SLACK,
}

# FastAPI tries routes in this order, one by one: the most requested come first. No two routers
# answer the same method and path (tests/registry/test_route_order.py), so order is only speed.
ROUTERS = [
    projects_router,
    project_terms_router,
    project_reports_router,
    councils_router,
    contacts_router,
    local_governments_router,
    symposia_router,
    figures_router,
    programmes_router,
    grant_schemes_router,
    audit_router,
]

DESCRIPTION = """
台帳サービス — the registry of 未来技術社会実装事業: local governments, projects and their support
terms, implementation councils (地域実装協議会), contacts, programmes and grant schemes, symposia.

Errors are RFC 9457 `application/problem+json`. Authenticate with `Authorization: Bearer <JWT>`.
"""


TAGS = [
    {
        "name": "projects",
        "description": (
            "事業 — 未来技術社会実装事業の選定事業: their proposers, support terms (支援期間), "
            "activity reports, imports and exports"
        ),
    },
    {
        "name": "councils",
        "description": "地域実装協議会 — each project's implementation council and its members",
    },
    {
        "name": "contacts",
        "description": (
            "連絡先 — people the office writes to, their links to projects and councils, and "
            "suppressed addresses (配信停止)"
        ),
    },
    {
        "name": "local-governments",
        "description": (
            "地方公共団体 — local governments by their 全国地方公共団体コード, and their "
            "designations"
        ),
    },
    {
        "name": "symposia",
        "description": "未来技術実装ミニシンポジウム — symposia, their audience and capacity",
    },
    {
        "name": "published-figures",
        "description": (
            "公表値 — figures the office has published (with their source), shown beside the "
            "rows that exist"
        ),
    },
    {
        "name": "programmes",
        "description": "事業区分 — the programmes of the legend (☆ ○ □ ■) and their fiscal years",
    },
    {"name": "grant-schemes", "description": "交付金 — grant schemes, with their caps and quotas"},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        openapi_tags=TAGS,
        settings=settings or get_settings("registry"),
        title="jisso registry",
        description=DESCRIPTION,
        version=__version__,
        routers=ROUTERS,
        outbox=outbox,
        idempotency_keys=idempotency_keys,
        upload_limits=UPLOAD_LIMITS,
    )
