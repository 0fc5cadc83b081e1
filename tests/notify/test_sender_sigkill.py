"""A sender process killed with SIGKILL mid-message, twice, then restarted: every one of 300
recipients gets exactly one message, counted at the SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from services.notify.deliveries.models import Delivery
from services.notify.messages.tasks import send_transactional
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.fixtures.workers import Committed

pytestmark = pytest.mark.e2e  # it starts sender processes and kills them
ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 300


def start_sender(
    database_url: str, smtp_url: str, message_id: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMTP_URL": smtp_url,
        "ENVIRONMENT": "test",
        "NOTIFY_SEND_RATE_PER_SECOND": "150",
        "NOTIFY_SEND_CONCURRENCY": "5",
        # Rows a killed sender left in `sending` are taken again after this.
        "NOTIFY_SENDING_LEASE_SECONDS": "2",
        "JISSO_TEST_MESSAGE_ID": message_id,
        "PYTHONPATH": str(ROOT),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.notify.sender_process"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for_mail(smtp: SmtpServer, count: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        arrived = len(list((smtp.maildir / "new").glob("*"))) if smtp.maildir.exists() else 0
        if arrived >= count:
            return arrived
        assert process.poll() is None, "the sender exited before it was killed"
        time.sleep(0.005)
    raise AssertionError(f"fewer than {count} messages arrived in 60 s")


async def test_sigkill_mid_send_then_restart_delivers_each_message_exactly_once(
    committed_ctx: Committed, smtp_server: SmtpServer, database_url: str, tmp_path: Path
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    recipients = [
        {"name": f"受信者 {i}", "email": committed_ctx.email(f"r{i:03d}")}
        for i in range(RECIPIENTS)
    ]
    created = await send_transactional(
        ctx,
        {
            "kind": "assessment_reminder",
            "dedupe_key": f"sigkill:{tag}",
            "context": {"project_name": "ドローン物流実装事業", "due_date": "2021-11-30"},
            "recipients": recipients,
        },
    )
    message_id = created["message_id"]
    log = tmp_path / "sender.log"

    kills = []
    for kill_at in (80, 190):
        process = start_sender(database_url, smtp_server.url, message_id, log)
        wait_for_mail(smtp_server, kill_at, process)
        process.send_signal(signal.SIGKILL)
        kills.append(datetime.now(UTC))
        assert process.wait(timeout=10) == -signal.SIGKILL

    process = start_sender(database_url, smtp_server.url, message_id, log)
    assert process.wait(timeout=120) == 0, log.read_text()

    async with ctx["sessionmaker"]() as session:
        rows = (
            await session.scalars(select(Delivery).where(Delivery.email.like(f"%{tag}%")))
        ).all()
    assert Counter(d.state for d in rows) == {"sent": RECIPIENTS}
    mails = [m for m in maildir_messages(smtp_server.maildir) if tag in str(m["To"])]
    ids = Counter(m["Message-ID"] for m in mails)
    duplicates = {k: n for k, n in ids.items() if n > 1}
    assert not duplicates, f"sent twice: {duplicates}"
    lost = [(d.attempts, d.claimed_at, d.sent_at) for d in rows if d.smtp_message_id not in ids]
    assert not lost, f"recorded sent, never received: {lost}; kills at {kills}"
    assert set(ids) == {d.smtp_message_id for d in rows}
    assert len(mails) == RECIPIENTS
    # Each process was really cut off in the middle: retries happened after the kills.
    assert any(d.attempts > 1 for d in rows), log.read_text()
