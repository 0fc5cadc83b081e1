"""The notify API: messages, symposium invitation campaigns, RSVP and delivery."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from libs.common import __version__
from libs.common.app import create_service_app
from libs.common.settings import Settings, get_settings
from services.notify.attendance.router import router as attendance_router
from services.notify.audit.router import router as audit_router
from services.notify.campaigns.router import router as campaigns_router
from services.notify.deliveries.metrics import install_delivery_metrics
from services.notify.deliveries.router import router as deliveries_router
from services.notify.messages.router import router as messages_router
from services.notify.models import idempotency_keys, load_all_models, outbox
from services.notify.previews.router import router as previews_router
from services.notify.rsvp.router import router as rsvp_router

load_all_models()

ROUTERS: list[APIRouter] = [campaigns_router, rsvp_router]
ROUTERS += [messages_router, deliveries_router, previews_router, audit_router]
ROUTERS += [attendance_router]

DESCRIPTION = """
通知サービス — every message jisso sends: symposium invitations (with ICS and RSVP links), \
reminders,
continuation decision letters and joint-review results, each delivered exactly once.

Errors are RFC 9457 `application/problem+json`. Authenticate with `Authorization: Bearer <JWT>`.
"""


TAGS = [
    {
        "name": "campaigns",
        "description": (
            "案内 — symposium letters (invitation, reminder, update, cancellation): drafted, "
            "approved, sent"
        ),
    },
    {
        "name": "messages",
        "description": "個別通知 — one transactional message, sent once per dedupe_key",
    },
    {
        "name": "deliveries",
        "description": (
            "配信 — what was sent to whom and how it went; bounces; sending one letter again"
        ),
    },
    {
        "name": "rsvp",
        "description": (
            "出欠 — the RSVP and unsubscribe pages opened from a letter, answers counted, capacity"
        ),
    },
    {
        "name": "attendance",
        "description": "出席者 — the attendee list of a symposium and the report of a campaign",
    },
    {
        "name": "previews",
        "description": "プレビュー — a letter exactly as it would be sent, before anything is sent",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        openapi_tags=TAGS,
        settings=settings or get_settings("notify"),
        title="jisso notify",
        description=DESCRIPTION,
        version=__version__,
        routers=ROUTERS,
        outbox=outbox,
        idempotency_keys=idempotency_keys,
    )
    install_delivery_metrics(app)
    return app
