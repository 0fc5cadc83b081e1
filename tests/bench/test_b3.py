"""B3's arithmetic and its sink: the dump is counted by Message-ID (duplicates and losses are
seen), the figures are the medians of the rounds and fail on a single duplicate."""

from __future__ import annotations

import shutil
import smtplib
from pathlib import Path

import pytest

from bench.b3_figures import Run, figures
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


def test_the_verdicts_are_the_medians_of_the_rounds_ratios_and_a_duplicate_fails() -> None:
    ours = [_run(10, 2), _run(4, 1), _run(5, 3)]  # 100, 250, 200 msg/s; 2, 1, 3 ms CPU/msg
    floor = [_run(2, 1), _run(4, 1, duplicates=1), _run(3, 2)]  # 500, 250, 333; 1, 1, 2
    throughput, cpu, exact = figures(ours, floor, 1_000, "a sink", 21.5)
    assert (throughput.ours, round(throughput.floor or 0)) == (200, 333)
    assert [round(r, 2) for r in throughput.ratios] == [0.2, 1.0, 0.6]
    assert throughput.ratio == pytest.approx(0.6) and throughput.passed  # ≥ 0.5
    assert throughput.notes["msg/s"] == "ours 200 (100–250), floor 333 (250–500)"
    assert "lifted from the shipped 50/s" in throughput.differs
    shipped = throughput.notes["at the shipped 50/s"]
    assert shipped.startswith("22 s (0.4 min; recipients ÷ rate: 20 s)")
    assert (cpu.ours, cpu.floor, cpu.cost) == (2, 1, True)
    assert [round(r, 2) for r in cpu.ratios] == [0.5, 1.0, 0.67]  # floor ÷ ours, per round
    assert cpu.ratio == pytest.approx(2 / 3)
    assert cpu.passed is True
    assert (exact.ours, exact.floor, exact.passed) == (0, 1, True)
    worse = [_run(4, 5, lost=2), _run(4, 4), ours[2]]
    _, slow, lossy = figures(worse, floor, 1_000, "a sink", 21.5)
    assert (lossy.ours, lossy.passed) == (2, False)
    assert slow.ratio == pytest.approx(0.25) and slow.passed is False  # 0.2, 0.25, 2/3


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
