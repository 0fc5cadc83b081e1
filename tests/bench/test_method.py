"""The measurement method: interleaved rounds, median and range, the CPU ratio's direction, the
pooled figures of several driver processes, and the history every run leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import history, plans, report
from bench.common import Figure
from bench.loadgen import merge
from bench.rounds import Sample, cost_figure, cost_ratios, interleave, spread


def _sample(cpu: float, rps: float = 100.0, cores: float = 0.3) -> Sample:
    return Sample(
        cpu_ms_per_request=cpu,
        rps=rps,
        p50_ms=5.0,
        p99_ms=20.0,
        requests=int(rps * 10),
        errors=0,
        loadgen_cores=cores,
        loadgen_processes=2,
        tool="httpx",
    )


def test_spread_is_the_median_and_the_range() -> None:
    s = spread([3.0, 1.0, 10.0, 2.0])
    assert (s.median, s.low, s.high, s.count) == (2.5, 1.0, 10.0, 4)
    assert s.text(1) == "2.5 (1.0–10.0)"
    assert spread([4.0]).text(1) == "4.0 (one round)"
    with pytest.raises(ValueError):
        spread([])


def test_rounds_alternate_ours_and_the_floor() -> None:
    order: list[tuple[str, int]] = []

    def run(side: str, n: int) -> Sample:
        order.append((side, n))
        return _sample(1.0 + n)

    samples = interleave(3, run)
    assert order == [(s, n) for n in range(3) for s in ("ours", "floor")]
    assert [s.cpu_ms_per_request for s in samples["floor"]] == [1.0, 2.0, 3.0]


def test_the_cost_ratio_is_floor_over_ours_per_round_and_its_median_decides() -> None:
    samples = {
        "ours": [_sample(2.0), _sample(4.0), _sample(1.0)],
        "floor": [_sample(1.0), _sample(1.0), _sample(0.9)],
    }
    assert cost_ratios(samples) == pytest.approx([0.5, 0.25, 0.9])
    figure = cost_figure("B1", "route", 0.5, samples, "data", "nothing")
    assert figure.ratio == pytest.approx(0.5)  # the median round, not the best
    assert figure.passed is True
    assert figure.ratio_text() == "0.50 (0.25–0.90)"
    assert figure.ours == 2.0 and figure.floor == 1.0  # medians of each side's CPU
    assert len(figure.rounds["ours"]) == 3
    assert figure.notes["generator the bound?"].startswith("no: ")
    saturated = {**samples, "floor": [_sample(1.0, cores=0.95), *samples["floor"][1:]]}
    bound = cost_figure("B1", "route", 0.5, saturated, "data", "")
    assert bound.notes["generator the bound?"].startswith("**possibly**: a process reached 0.95")
    worse = {**samples, "ours": [_sample(2.1), _sample(4.0), _sample(1.0)]}
    assert cost_figure("B1", "route", 0.5, worse, "data", "").passed is False


def test_a_cost_without_rounds_is_floor_over_ours() -> None:
    f = Figure("B1", "x", "ms", ours=4.0, floor=1.0, higher_is_better=True, target=0.5,
               size="", cost=True)  # fmt: skip
    assert f.ratio == 0.25 and f.passed is False
    g = Figure("B4", "x", "s", ours=4.0, floor=1.0, higher_is_better=False, target=3.0, size="")
    assert g.ratio == 4.0 and g.passed is False


def test_several_driver_processes_pool_their_latencies_and_report_the_busiest() -> None:
    parts = [
        {"connections": 16, "errors": 1, "cores": 0.4, "server_cpu": 2.0,
         "latencies_ms": [1.0, 2.0, 3.0]},
        {"connections": 16, "errors": 0, "cores": 0.7, "server_cpu": 0.0,
         "latencies_ms": [4.0, 5.0]},
    ]  # fmt: skip
    result = merge(parts, seconds=2.0)
    assert (result.requests, result.errors, result.connections) == (5, 1, 32)
    assert result.rps == 2.5 and result.p50_ms == 3.0 and result.p99_ms == 5.0
    assert (result.cores, result.processes, result.server_cpu) == (0.7, 2, 2.0)


def _figure(ratio_ours: float) -> Figure:
    samples = {"ours": [_sample(ratio_ours)], "floor": [_sample(1.0)]}
    return cost_figure("B2", "writes", 0.4, samples, "data", "")


def test_every_run_is_kept_and_the_table_shows_all_of_them(tmp_path: Path) -> None:
    first = history.record({"scale": 1.0, "rounds": 3}, {}, {}, [_figure(2.0)], {},
                           _at("2026-12-06T03:00:00"))  # fmt: skip
    failures = {"B4": "RuntimeError: boom\nusage: | x"}
    second = history.record({"scale": 1.0, "rounds": 3}, {}, {}, [_figure(5.0)], failures,
                            _at("2026-12-06T03:10:00"))  # fmt: skip
    paths = [history.write(run, tmp_path) for run in (second, first)]
    assert all(p.name.startswith("20261206T0") and p.suffix == ".json" for p in paths)
    runs = history.load_all(tmp_path)
    assert [r["started"] for r in runs] == ["2026-12-06T03:00:00Z", "2026-12-06T03:10:00Z"]
    raw = json.loads(paths[1].read_text())["figures"][0]["rounds"]
    assert raw["ours"][0]["cpu_ms_per_request"] == 2.0  # every round's raw figures kept
    table = "\n".join(history.runs_table(runs))
    assert "| 0.50 | ≥ 0.4 | met |" in table
    assert "| 0.20 | ≥ 0.4 | **NOT met** |" in table  # the worse run is shown, not dropped
    assert "B4 | failed: RuntimeError: boom usage: / x |" in table  # one table row


def _at(text: str) -> history.datetime:
    return history.datetime.fromisoformat(text + "+00:00")


def test_a_plan_that_reads_a_growing_table_end_to_end_is_named() -> None:
    indexed = "Limit\n  ->  Index Scan using ix_contacts_lg_code on contacts"
    scanned = "Sort\n  ->  Seq Scan on contacts\n  ->  Seq Scan on local_governments"
    assert plans.sequential_scans(indexed) == []
    assert plans.sequential_scans(scanned) == ["contacts"]  # a fixed-size table is no concern


def test_the_report_shows_every_round_and_the_verdict_not_met() -> None:
    samples = {"ours": [_sample(4.0), _sample(5.0)], "floor": [_sample(1.0), _sample(1.0)]}
    figure = cost_figure("B2", "writes", 0.4, samples, "data", "rate limit lifted")
    table = "\n".join(report.figure_table([figure]))
    assert "| 0.23 (0.20–0.25) | ≥ 0.4 | **NOT met** | rate limit lifted |" in table
    rounds = report.rounds_tables([figure])
    assert sum(line.startswith(("| 1 |", "| 2 |")) for line in rounds) == 4
    assert "Ratio (floor ÷ ours CPU per request) per round: 0.25, 0.20." in rounds


def test_the_scale_one_page_shows_the_newest_full_run_at_ten_times_the_data(
    tmp_path: Path,
) -> None:
    def kept(scale: float, cpu: float, at: str, quick: bool = False) -> None:
        args = {"scale": scale, "rounds": 3, "quick": quick}
        plans_section = ["## At ten times the data", "", "### a plan", ""]
        sizes = {"projects": int(10_000 * scale)}
        run = history.record(args, {}, sizes, [_figure(cpu)], {}, _at(at), "abc1234", plans_section)
        history.write(run, tmp_path)

    assert "Not run yet" in "\n".join(report.ten_times_section(history.load_all(tmp_path)))
    kept(10.0, 8.0, "2026-12-06T03:00:00")
    kept(10.0, 2.0, "2026-12-06T04:00:00")
    kept(10.0, 1.0, "2026-12-06T05:00:00", quick=True)  # a quick run is no figure to publish
    kept(1.0, 1.0, "2026-12-06T06:00:00")
    section = "\n".join(report.ten_times_section(history.load_all(tmp_path)))
    assert "started 2026-12-06T04:00:00Z at commit abc1234" in section
    assert "Data: 100,000 projects." in section
    assert "| 0.50 | ≥ 0.4 | met |" in section  # the 04:00 run's figure, verdict recomputed
    assert "### At ten times the data" in section and "#### a plan" in section
    assert report.document_name(10.0) == "performance-at-scale-10.md"
