"""B3's arithmetic and its sink: the dump is counted by Message-ID (duplicates and losses are
seen), the figures are the medians of the rounds and fail on a single duplicate."""

from __future__ import annotations

import shutil
import smtplib
from pathlib import Path

import pytest

from bench.b3_delivery import Run, figures
from bench.b3_sink import MARKER, SMTP_SINK, CSmtpSink, dump_message_ids


def _run(seconds: float, cpu: float, duplicates: int = 0, lost: int = 0) -> Run:
    return Run(seconds, cpu, 1_000, duplicates, lost)


def test_a_dump_yields_each_messages_id_once_per_copy_and_blank_for_none() -> None:
    dump = b"".join(
        MARKER + b"X-Client-Addr: 127.0.0.1\nReceived: from x\n\tby smtp-sink\n" + message
        for message in (
            b"Message-ID: <a@x.jp>\nSubject: a\n\nbody mentioning\nMessage-ID: <no@x.jp>\n\n",
            b"Subject: none\n\nbody\n\n",
            b"message-id:  <a@x.jp>\n\n\n",
        )
    )
    assert list(dump_message_ids(dump)) == ["<a@x.jp>", "", "<a@x.jp>"]


def test_the_figures_are_the_medians_of_the_rounds_and_a_duplicate_fails() -> None:
    ours = [_run(10, 2), _run(4, 1), _run(5, 3)]  # 100, 250, 200 msg/s
    floor = [_run(2, 1), _run(4, 1, duplicates=1), _run(3, 2)]  # 500, 250, 333 msg/s
    throughput, cpu, exact = figures(ours, floor, 1_000, "a sink")
    assert (throughput.ours, round(throughput.floor or 0)) == (200, 333)
    assert throughput.passed  # 200 / 333 = 0.6 ≥ 0.5
    assert throughput.notes["median (range) ours"] == "200 (100–250)"
    assert (cpu.ours, cpu.floor) == (500, 1_000)  # messages per CPU-second: 500, 1000, 333 …
    assert cpu.passed is True
    assert (exact.ours, exact.floor, exact.passed) == (0, 1, True)
    _, _, lossy = figures([_run(4, 1, lost=2), *ours[1:]], floor, 1_000, "a sink")
    assert (lossy.ours, lossy.passed) == (2, False)
    assert throughput.notes["at the shipped rate"].startswith("20 s")


@pytest.mark.skipif(not shutil.which(SMTP_SINK), reason="Postfix's smtp-sink is not installed")
def test_smtp_sink_receives_every_message_and_reports_its_id(tmp_path: Path) -> None:
    with CSmtpSink(tmp_path) as sink:
        host, port = str(sink.url).removeprefix("smtp://").rsplit(":", 1)
        with smtplib.SMTP(host, int(port), timeout=10) as client:
            for n in (1, 2, 2):
                message = f"Message-ID: <m{n}@x.jp>\r\nSubject: 件名\r\n\r\n.line\r\n"
                client.sendmail("a@x.jp", ["b@y.jp"], message.encode())
        assert sink.alive()
    assert sorted(sink.message_ids()) == ["<m1@x.jp>", "<m2@x.jp>", "<m2@x.jp>"]
