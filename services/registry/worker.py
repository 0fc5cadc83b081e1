"""What the registry service runs on the queue, and the sweeps the scheduler enqueues for it."""

from __future__ import annotations

from datetime import timedelta

from libs.common.scheduler import Periodic
from libs.common.settings import Settings, get_settings
from libs.common.worker import ServiceWorker
from services.registry.models import outbox
from services.registry.projects import tasks as project_tasks
from services.registry.symposia import tasks as symposia_tasks

PERIODIC: list[Periodic] = [
    Periodic("registry.sweep_outbox", "registry", "sweep_outbox", timedelta(seconds=5)),
    # Daily (slots start 00:00 UTC, 09:00 JST); the scheduler's first tick runs it at start-up.
    Periodic("registry.hold_past_symposia", "registry", "hold_past_symposia", timedelta(days=1)),
    # 支援期間満了 is a daily rule checked hourly: the slot starting at 00:00 Tokyo ends what the
    # day before closed, a missed run is caught up within the hour, and the scheduler's first tick
    # runs it at start-up.
    Periodic("registry.sweep_project_terms", "registry", "sweep_project_terms", timedelta(hours=1)),
]


def worker_spec(settings: Settings | None = None) -> ServiceWorker:
    return ServiceWorker(
        settings=settings or get_settings("registry"),
        outbox=outbox,
        functions=[symposia_tasks.hold_past_symposia, project_tasks.sweep_project_terms],
    )
