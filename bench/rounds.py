"""Interleaved rounds: ours and its floor one after the other, several times, then median and range.

One run of each side is noisy on a shared machine (±15–20 % between identical runs): each figure
runs ``ours, floor, ours, floor, …`` so both sides see the same drift, and publishes the median and
the range (min–max) of every measure. The verdict of a cost (CPU per request) is on the ratio
floor ÷ ours of each round — higher is better, 1.0 means as cheap as the floor — and its median.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import Figure
from bench.loadgen import LoadResult


@dataclass(frozen=True)
class Spread:
    """Median and range of one measure over the rounds."""

    median: float
    low: float
    high: float
    count: int

    def text(self, digits: int = 2) -> str:
        if self.count == 1:
            return f"{self.median:,.{digits}f} (one round)"
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}–{self.high:,.{digits}f})"


def spread(values: Iterable[float]) -> Spread:
    items = list(values)
    if not items:
        raise ValueError("no values to summarise")
    return Spread(statistics.median(items), min(items), max(items), len(items))


@dataclass(frozen=True)
class Sample:
    """One side's one measured run."""

    cpu_ms_per_request: float  # the server's process tree, user + system
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # The load generator's busiest process, in cores (1.0: one core saturated): a generator near
    # a whole core is the bound, not the server.
    loadgen_cores: float
    loadgen_processes: int
    tool: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SIDES = ("ours", "floor")
MEASURES = {
    "cpu_ms_per_request": "server CPU ms/request",
    "rps": "requests/s",
    "p50_ms": "p50 ms",
    "p99_ms": "p99 ms",
    "loadgen_cores": "load generator, busiest process (cores)",
}


def sample_of(result: LoadResult) -> Sample:
    """The sample of a load run whose ``server_cpu`` covers its measured seconds."""
    return Sample(
        cpu_ms_per_request=result.server_cpu * 1e3 / max(result.requests, 1),
        rps=result.rps,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        requests=result.requests,
        errors=result.errors,
        loadgen_cores=result.cores,
        loadgen_processes=result.processes,
        tool=result.tool,
    )


def interleave(rounds: int, run: Callable[[str, int], Sample]) -> dict[str, list[Sample]]:
    """``run(side, round)`` for ours then the floor, ``rounds`` times."""
    samples: dict[str, list[Sample]] = {side: [] for side in SIDES}
    for n in range(rounds):
        for side in SIDES:
            samples[side].append(run(side, n))
    return samples


def cost_ratios(samples: dict[str, list[Sample]]) -> list[float]:
    """Per round, floor CPU ÷ ours CPU per request (higher is better; ≥ 1 would beat the floor)."""
    return [
        floor.cpu_ms_per_request / ours.cpu_ms_per_request
        for ours, floor in zip(samples["ours"], samples["floor"], strict=True)
        if ours.cpu_ms_per_request > 0
    ]


def summary(samples: dict[str, list[Sample]]) -> dict[str, dict[str, Spread]]:
    """Per side, per measure: median and range over the rounds."""
    return {
        side: {m: spread(getattr(s, m) for s in runs) for m in MEASURES}
        for side, runs in samples.items()
    }


def cost_figure(
    bench: str,
    name: str,
    target: float,
    samples: dict[str, list[Sample]],
    size: str,
    differs: str,
) -> Figure:
    """A figure judged on server CPU per request: median of the rounds' floor ÷ ours."""
    stats = summary(samples)
    ours, floor = stats["ours"], stats["floor"]
    errors = sum(s.errors for runs in samples.values() for s in runs)
    first = samples["ours"][0]
    return Figure(
        bench=bench,
        name=name,
        unit="ms CPU/request",
        ours=ours["cpu_ms_per_request"].median,
        floor=floor["cpu_ms_per_request"].median,
        higher_is_better=True,
        target=target,
        size=size,
        cost=True,
        ratios=cost_ratios(samples),
        rounds={side: [s.as_dict() for s in runs] for side, runs in samples.items()},
        differs=differs,
        notes={
            "server CPU ms/request": f"ours {ours['cpu_ms_per_request'].text(3)},"
            f" floor {floor['cpu_ms_per_request'].text(3)}",
            "requests/s": f"ours {ours['rps'].text(0)}, floor {floor['rps'].text(0)}",
            "p50 ms": f"ours {ours['p50_ms'].text(1)}, floor {floor['p50_ms'].text(1)}",
            "p99 ms": f"ours {ours['p99_ms'].text(1)}, floor {floor['p99_ms'].text(1)}",
            "load generator (busiest process, cores)": f"ours {ours['loadgen_cores'].text(2)},"
            f" floor {floor['loadgen_cores'].text(2)}; {first.tool},"
            f" {first.loadgen_processes} process(es)",
            "generator the bound?": generator_verdict(samples),
            "errors": str(errors),
        },
    )


GENERATOR_CEILING = 0.8  # of a core, per generator process: above it the generator may be the bound


def generator_verdict(samples: dict[str, list[Sample]]) -> str:
    busiest = max(s.loadgen_cores for runs in samples.values() for s in runs)
    if busiest <= GENERATOR_CEILING:
        return f"no: its busiest process stayed at or below {busiest:.2f} of a core in every round"
    return f"**possibly**: a process reached {busiest:.2f} of a core (over {GENERATOR_CEILING})"
