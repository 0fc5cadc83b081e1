"""What the notify service runs on the queue, and the sweeps the scheduler enqueues for it."""

from __future__ import annotations

from datetime import timedelta

from libs.common.http import ServiceClient
from libs.common.queue import JobContext
from libs.common.scheduler import Periodic
from libs.common.settings import Settings, get_settings
from libs.common.worker import ServiceWorker
from services.notify.campaigns.tasks import send_symposium_reminders
from services.notify.config import get_notify_settings
from services.notify.deliveries.tasks import record_suppression_in_registry, send_due_deliveries
from services.notify.letters.smtp_health import smtp_health_check
from services.notify.messages.tasks import send_transactional
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient

PERIODIC: list[Periodic] = [
    Periodic("notify.sweep_outbox", "notify", "sweep_outbox", timedelta(seconds=5)),
    Periodic("notify.send_due_deliveries", "notify", "send_due_deliveries", timedelta(seconds=10)),
    Periodic(
        "notify.send_symposium_reminders", "notify", "send_symposium_reminders", timedelta(hours=1)
    ),
]

FUNCTIONS = [
    send_due_deliveries,
    send_transactional,
    record_suppression_in_registry,
    send_symposium_reminders,
]


async def startup(ctx: JobContext) -> None:
    """Notify's knobs and the registry client (``ctx["http"]`` is closed by the worker)."""
    ctx["notify_settings"] = get_notify_settings()
    ctx["http"] = ServiceClient(ctx["settings"], "registry")
    ctx["registry"] = RegistryClient(ctx["http"])


def worker_spec(settings: Settings | None = None) -> ServiceWorker:
    settings = settings or get_settings("notify")
    return ServiceWorker(
        settings=settings,
        outbox=outbox,
        functions=list(FUNCTIONS),
        on_startup=startup,
        health_checks=[smtp_health_check(settings.smtp_url)],
    )
