"""B3's figures from its rounds: throughput, server CPU per message, exactly-once.

Each ratio is the median of the rounds' ratios (``bench/rounds.py``'s rule): throughput ours ÷
floor, CPU per message floor ÷ ours (a cost), both judged ≥ 0.5; duplicates + lost must be 0.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.common import Figure
from services.notify.config import NotifySettings

LIFTED_RATE = 100_000.0
# Deliveries timed at the shipped rate (10 s at 50/s), the campaign's time extrapolated from them.
SHIPPED_SAMPLE = 500
# The shipped defaults (not this process's environment): the rate and the connections.
SHIPPED = NotifySettings.model_construct()


@dataclass(frozen=True)
class Run:
    """One side of one round."""

    seconds: float
    cpu_seconds: float
    messages: int
    duplicates: int
    lost: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Milliseconds of server CPU per message."""
        return 1000 * self.cpu_seconds / self.messages

    def text(self) -> str:
        return (
            f"{self.rate:,.0f} msg/s ({self.seconds:.1f} s), "
            f"{self.cpu_ms:.2f} ms CPU/msg, "
            f"{self.duplicates} dup, {self.lost} lost"
        )


def _spread(values: list[float], fmt: str = ",.0f") -> str:
    """Median (min–max)."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"


def figures(
    ours: list[Run], floor: list[Run], recipients: int, sink_label: str, shipped: float
) -> list[Figure]:
    """Throughput, CPU per message and exactly-once; each ratio the median of the rounds'."""
    size = f"{recipients:,} recipients, {SHIPPED.send_concurrency} SMTP connections, {sink_label}"
    pairs = list(zip(ours, floor, strict=True))
    rounds = {f"round {n + 1}": f"ours {o.text()}; floor {f.text()}"
              for n, (o, f) in enumerate(pairs)}  # fmt: skip
    rate = SHIPPED.send_rate_per_second
    at_rate = (
        f"{shipped:,.0f} s ({shipped / 60:.1f} min; recipients ÷ rate: {recipients / rate:,.0f} s),"
        f" measured: the first {min(SHIPPED_SAMPLE, recipients):,} deliveries of a campaign from"
        " its approval by a worker at the shipped rate, extrapolated"
    )
    differs = (
        f"send rate lifted from the shipped {rate:g}/s to {LIFTED_RATE:,.0f}/s, to measure the"
        f" machinery, not the throttle; at {rate:g}/s the campaign takes {at_rate}"
    )
    throughput = Figure(
        bench="B3",
        name=f"campaign of {recipients:,}, approval → last delivery recorded",
        unit="msg/s",
        ours=statistics.median(r.rate for r in ours),
        floor=statistics.median(r.rate for r in floor),
        higher_is_better=True,
        target=0.5,
        size=size,
        ratios=[o.rate / f.rate for o, f in pairs],
        differs=differs,
        notes={
            "msg/s": f"ours {_spread([r.rate for r in ours])},"
            f" floor {_spread([r.rate for r in floor])}",
            f"at the shipped {rate:g}/s": at_rate,
            **rounds,
        },
    )
    cpu = Figure(
        bench="B3",
        name="campaign, server CPU per message (notify API + worker; the floor's process)",
        unit="ms CPU/message",
        ours=statistics.median(r.cpu_ms for r in ours),
        floor=statistics.median(r.cpu_ms for r in floor),
        higher_is_better=True,
        target=0.5,
        size=size,
        cost=True,
        ratios=[f.cpu_ms / o.cpu_ms for o, f in pairs],
        differs=differs,
        notes={
            "ms CPU/message": f"ours {_spread([r.cpu_ms for r in ours], '.2f')},"
            f" floor {_spread([r.cpu_ms for r in floor], '.2f')}",
        },
    )
    exact = Figure(
        bench="B3",
        name="campaign, duplicates + lost over every round (Message-IDs in the sink)",
        unit="messages",
        ours=float(sum(r.duplicates + r.lost for r in ours)),
        floor=float(sum(r.duplicates + r.lost for r in floor)),
        higher_is_better=False,
        target=0,
        absolute=True,
        size=size,
    )
    return [throughput, cpu, exact]
