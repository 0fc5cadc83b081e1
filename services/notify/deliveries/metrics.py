"""``jisso_deliveries{state}`` on notify's ``/metrics``: what waits, what went, what failed."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import Gauge

from libs.common.named_schema import literal_values
from services.notify.deliveries import repository
from services.notify.deliveries.schemas import DeliveryState


def install_delivery_metrics(app: FastAPI) -> None:
    gauge = Gauge(
        "jisso_deliveries",
        "Deliveries by state",
        ["state"],
        registry=app.state.metrics.registry,
    )

    async def refresh(app: FastAPI) -> None:
        async with app.state.sessionmaker() as session:
            counts = await repository.count_by_state(session)
        for state in literal_values(DeliveryState):
            gauge.labels(state).set(counts.get(state, 0))

    app.state.metrics.hooks.append(refresh)
