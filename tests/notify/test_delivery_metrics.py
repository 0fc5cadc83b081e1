"""notify's metrics count deliveries by state from the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.metrics_endpoint import render
from services.notify.deliveries.models import Delivery


async def test_metrics_count_deliveries_by_state(
    api: Callable[[str], httpx.AsyncClient], session: AsyncSession
) -> None:
    for state in ("sent", "sent", "retrying"):
        delivery_id = uuid.uuid4()
        session.add(
            Delivery(
                id=delivery_id,
                dedupe_key=f"metrics-test:{delivery_id}",
                kind="continuation_decision",
                email=f"{delivery_id.hex[:8]}@example.jp",
                state=state,
                smtp_message_id=f"<{delivery_id}@jisso>",
            )
        )
    await session.flush()

    client = api("notify")
    text = (await render(client._transport.app)).decode()  # type: ignore[attr-defined]

    assert 'jisso_deliveries{state="sent"} 2.0' in text
    assert 'jisso_deliveries{state="retrying"} 1.0' in text
    assert 'jisso_deliveries{state="bounced"} 0.0' in text
