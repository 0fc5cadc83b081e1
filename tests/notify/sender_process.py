"""The sender alone in a process, for the SIGKILL test: ``python -m tests.notify.sender_process``.

Reads DATABASE_URL, SMTP_URL and NOTIFY_* from the environment and sends until every delivery of
the message ``JISSO_TEST_MESSAGE_ID`` has left queued/sending/retrying.
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import func, select

from libs.common.db import create_engine, create_sessionmaker
from libs.common.settings import load_settings
from services.notify.config import get_notify_settings
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.repository import PENDING
from services.notify.deliveries.sender import send_due
from services.notify.models import load_all_models, outbox


async def main() -> None:
    load_all_models()
    settings = load_settings("notify")
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    ctx = {
        "settings": settings,
        "engine": engine,
        "sessionmaker": sessionmaker,
        "outbox": outbox,
        "notify_settings": get_notify_settings(),
    }
    pending = (
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.message_id == os.environ["JISSO_TEST_MESSAGE_ID"],
            Delivery.state.in_(PENDING),
        )
    )
    while True:
        report = await send_due(ctx)
        print(dict(report), flush=True)
        async with sessionmaker() as session:
            if not await session.scalar(pending):
                break
        await asyncio.sleep(0.2)  # rows of a killed predecessor wait out their lease
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
