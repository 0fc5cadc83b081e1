"""What the registry service runs on the queue, and the sweeps the scheduler enqueues for it."""

from __future__ import annotations

from datetime import timedelta

from libs.common.scheduler import Periodic
from libs.common.settings import Settings, get_settings
from libs.common.worker import ServiceWorker
from services.registry.models import outbox

PERIODIC: list[Periodic] = [
    Periodic("registry.sweep_outbox", "registry", "sweep_outbox", timedelta(seconds=5)),
]


def worker_spec(settings: Settings | None = None) -> ServiceWorker:
    return ServiceWorker(settings=settings or get_settings("registry"), outbox=outbox)
