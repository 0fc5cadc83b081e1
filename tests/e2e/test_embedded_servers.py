"""The embedded servers and the supervisor, with real child processes on a temp data dir."""

from __future__ import annotations

import mailbox
import os
import signal
import socket
import sys
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import aiosmtplib
import asyncpg
import psutil
import pytest
import redis.asyncio as aioredis

from devtools.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedSmtp, free_port
from devtools.supervisor import Child, Supervisor

pytestmark = pytest.mark.e2e

SUBJECT = "【未来技術社会実装事業】第4回ミニシンポジウムのご案内"


def assert_gone(proc: Child | None) -> None:
    """The child is reaped and nothing (but zombies awaiting init) is left in its group."""
    assert proc is not None
    assert proc.returncode is not None
    survivors = []
    for p in psutil.process_iter(["pid", "status"]):
        try:
            same_group = os.getpgid(p.pid) == proc.pid
        except ProcessLookupError:
            continue
        if same_group and p.info["status"] != psutil.STATUS_ZOMBIE:
            survivors.append(p.pid)
    assert survivors == []


def test_free_port_prefers_the_requested_port() -> None:
    port = free_port()
    assert free_port(port) == port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        other = free_port(taken)
    assert other != taken


async def test_postgres_round_trip_survives_restart(tmp_path: Path) -> None:
    started = time.monotonic()
    with EmbeddedPostgres(tmp_path) as pg:
        print(f"postgres first start (with initdb) {time.monotonic() - started:.2f}s")
        url = pg.url
        assert url is not None
        assert url.startswith("postgresql+asyncpg://postgres@127.0.0.1:") and url.endswith("/jisso")
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        assert await conn.fetchval("select 1") == 1
        await conn.execute("create table lg (code text primary key, name text)")
        await conn.execute("insert into lg values ('112071', '秩父市')")
        await conn.close()
    pg.stop()  # idempotent
    assert_gone(pg.process)

    started = time.monotonic()
    with EmbeddedPostgres(tmp_path) as again:
        print(f"postgres restart {time.monotonic() - started:.2f}s")
        assert again.url is not None
        conn = await asyncpg.connect(again.url.replace("+asyncpg", ""))
        assert await conn.fetchval("select name from lg where code = '112071'") == "秩父市"
        assert await conn.fetchval("show server_encoding") == "UTF8"
        await conn.close()
    assert_gone(again.process)


async def test_redis_round_trip_survives_restart(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        url = server.url
        assert url is not None
        assert url.startswith("redis://127.0.0.1:") and url.endswith("/0")
        client = aioredis.from_url(url)
        await client.set("jisso:greeting", "こんにちは")
        await client.aclose()
    assert_gone(server.process)

    with EmbeddedRedis(tmp_path) as again:
        assert again.url is not None
        client = aioredis.from_url(again.url)
        assert (await client.get("jisso:greeting")).decode() == "こんにちは"
        await client.aclose()
    again.stop()  # idempotent
    assert_gone(again.process)


def _message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "office@example.jp"
    msg["To"] = to
    msg["Subject"] = SUBJECT
    msg.set_content("ご参加をお待ちしております。")
    return msg


async def test_smtp_stores_utf8_mail_in_maildir(tmp_path: Path) -> None:
    with EmbeddedSmtp(tmp_path) as smtp:
        assert smtp.url == f"smtp://127.0.0.1:{smtp.port}"
        await aiosmtplib.send(_message("chichibu@example.jp"), hostname="127.0.0.1", port=smtp.port)
        box = mailbox.Maildir(smtp.maildir, create=False)
        keys = list(box.keys())
        assert len(keys) == 1
        stored = BytesParser(policy=policy.default).parsebytes(box.get_bytes(keys[0]))
        assert stored["Subject"] == SUBJECT
        assert stored["X-RcptTo"] == "chichibu@example.jp"
        body = stored.get_body()
        assert body is not None
        assert "ご参加" in body.get_content()
    assert_gone(smtp.process)


async def test_smtp_fault_injection(tmp_path: Path) -> None:
    fail, reject = tmp_path / "smtp-fail", tmp_path / "smtp-reject"
    reject.write_text("# bounced\nGone@Example.jp\n")
    with EmbeddedSmtp(tmp_path, fail_file=fail, reject_addresses_file=reject) as smtp:
        fail.write_text("451\n")
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await aiosmtplib.send(_message("a@example.jp"), hostname="127.0.0.1", port=smtp.port)
        assert [e.code for e in refused.value.recipients] == [451]

        fail.unlink()
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await aiosmtplib.send(_message("gone@example.jp"), hostname="127.0.0.1", port=smtp.port)
        assert [e.code for e in refused.value.recipients] == [550]

        await aiosmtplib.send(_message("a@example.jp"), hostname="127.0.0.1", port=smtp.port)
        assert len(mailbox.Maildir(smtp.maildir, create=False)) == 1


def test_supervisor_waits_for_http_and_leaves_nothing_behind(tmp_path: Path) -> None:
    port = free_port()
    with Supervisor(tmp_path) as sup:
        web = sup.spawn("web", [sys.executable, "-m", "http.server", str(port)], {}, cwd=tmp_path)
        # A shell with a background grandchild: stopping must reach the whole group.
        shell = sup.spawn("shell", ["sh", "-c", "sleep 60 & wait"], {"JISSO_X": "1"})
        sup.wait_http_ok([f"http://127.0.0.1:{port}/"], timeout=15)
    assert_gone(web)
    assert_gone(shell)
    assert (tmp_path / "logs" / "web.log").exists()


def test_supervisor_reports_a_dead_child_and_stops_the_rest(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = Supervisor(tmp_path, echo=lines.append)
    sleeper = sup.spawn("sleeper", ["sleep", "60"], {})
    # The leader dies but leaves a grandchild behind: the supervisor must sweep it too.
    crasher = sup.spawn("crasher", ["sh", "-c", "sleep 60 & sleep 0.3; exit 3"], {})
    assert sup.run_until_signal(poll_interval=0.05) == 1
    assert len(lines) == 1 and "crasher" in lines[0] and "code 3" in lines[0]
    assert_gone(crasher)
    assert_gone(sleeper)


def test_supervisor_stops_on_sigterm(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path, echo=lambda line: None)
    sleeper = sup.spawn("sleeper", ["sleep", "60"], {})
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert sup.run_until_signal(poll_interval=0.05) == 0
    assert_gone(sleeper)
