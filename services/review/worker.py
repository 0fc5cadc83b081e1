"""What the review service runs on the queue, and the sweeps the scheduler enqueues for it."""

from __future__ import annotations

from datetime import timedelta

from libs.common.scheduler import Periodic
from libs.common.settings import Settings, get_settings
from libs.common.worker import ServiceWorker
from services.review.models import outbox

PERIODIC: list[Periodic] = [
    Periodic("review.sweep_outbox", "review", "sweep_outbox", timedelta(seconds=5)),
]


def worker_spec(settings: Settings | None = None) -> ServiceWorker:
    return ServiceWorker(settings=settings or get_settings("review"), outbox=outbox)
