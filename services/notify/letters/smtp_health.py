"""SMTP health as metrics, checked by the worker, never by readiness.

Readiness used to log in to the SMTP server on every probe of every notify pod, so a mail-provider
outage took the whole API out of service, the RSVP and unsubscribe pages included, which send
nothing. The worker is what sends mail: its process checks SMTP at most once a minute
(libs/common/worker.py runs a ServiceWorker's health checks) and exports

- ``jisso_smtp_up``: 1 when the last check connected, said EHLO, logged in and NOOP; 0 otherwise;
- ``jisso_smtp_check_seconds``: how long that check took (it gives up after 3 s).

An alert on ``jisso_smtp_up == 0`` for some minutes (docs/operations.md, "Metrics") tells the
office; meanwhile deliveries wait and retry with backoff.
"""

from __future__ import annotations

import time

import structlog
from prometheus_client import Gauge

from libs.common.worker import HealthCheck
from services.notify.letters.smtp import check_smtp

log = structlog.get_logger(__name__)
SMTP_UP = Gauge("jisso_smtp_up", "1 when the worker's last SMTP check succeeded, else 0")
SMTP_CHECK_SECONDS = Gauge("jisso_smtp_check_seconds", "Duration of the worker's last SMTP check")


def smtp_health_check(url: str) -> HealthCheck:
    """The check the notify worker runs once a minute; a line only when SMTP goes down or up."""
    was_up: list[bool | None] = [None]

    async def check_smtp_health() -> None:
        started = time.perf_counter()
        try:
            await check_smtp(url)
        except Exception as exc:
            SMTP_UP.set(0)
            if was_up[0] is not False:
                log.warning("smtp_down", error=f"{type(exc).__name__}: {exc}")
            was_up[0] = False
        else:
            SMTP_UP.set(1)
            if was_up[0] is False:
                log.info("smtp_up")
            was_up[0] = True
        finally:
            SMTP_CHECK_SECONDS.set(time.perf_counter() - started)

    return check_smtp_health
