"""What the review service runs on the queue, and the sweeps the scheduler enqueues for it."""

from __future__ import annotations

from datetime import timedelta

from libs.common.queue import JobContext
from libs.common.scheduler import Periodic
from libs.common.settings import Settings, get_settings
from libs.common.worker import ServiceWorker
from services.review.continuation import tasks as continuation_tasks
from services.review.joint_review import tasks as joint_review_tasks
from services.review.models import outbox
from services.review.registry_client import RegistryClient

PERIODIC: list[Periodic] = [
    Periodic("review.sweep_outbox", "review", "sweep_outbox", timedelta(seconds=5)),
    Periodic(
        "review.publish_joint_review_results",
        "review",
        "publish_joint_review_results",
        timedelta(minutes=10),
    ),
    Periodic("review.continuation_sweep", "review", "continuation_sweep", timedelta(hours=1)),
]


async def _startup(ctx: JobContext) -> None:
    """Jobs that call the registry share one client; the worker closes ``ctx["http"]``."""
    ctx["registry"] = RegistryClient.from_settings(ctx["settings"])
    ctx["http"] = ctx["registry"].client


def worker_spec(settings: Settings | None = None) -> ServiceWorker:
    return ServiceWorker(
        settings=settings or get_settings("review"),
        outbox=outbox,
        functions=[
            *joint_review_tasks.JOBS,
            continuation_tasks.continuation_sweep,
            continuation_tasks.apply_term_extension,
            continuation_tasks.apply_term_ends,
        ],
        on_startup=_startup,
    )
