"""docs/performance.md: the machine, the data, every figure against its floor and target."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench import history
from bench.common import Context, Figure, run_async
from bench.generate import plain_url

NOTES = Path(__file__).with_name("notes.md")
TEN_TIMES = 10.0  # issue #20: the same table at ten times the data


def document_name(scale: float) -> str:
    """docs/performance.md holds the scale-1 run; another scale's run has its own page."""
    return "performance.md" if scale == 1 else f"performance-at-scale-{scale:g}.md"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, str]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    return {
        "cores": f"{psutil.cpu_count()} ({cpu})",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "bytecode cache": "off (PYTHONDONTWRITEBYTECODE is set: every process compiles its imports)"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else "on",
        "load average before": load_average(),
    }


def postgres(url: str) -> dict[str, str]:
    async def ask() -> dict[str, str]:
        conn = await asyncpg.connect(plain_url(url))
        try:
            version = await conn.fetchval("SHOW server_version")
            buffers = await conn.fetchval("SHOW shared_buffers")
            connections = await conn.fetchval("SHOW max_connections")
        finally:
            await conn.close()
        return {
            "PostgreSQL": f"{version} (shared_buffers {buffers}, max_connections {connections})"
        }

    result: dict[str, str] = run_async(ask())
    return result


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("s", "MiB"):
        return f"{value:,.2f} {unit}"
    return f"{value:,.1f} {unit}"


def figure_table(figures: list[Figure]) -> list[str]:
    lines = [
        "| | measure | ours | compared with | ratio | target | verdict | differs from shipped"
        " | data |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = "—" if f.floor is None else f"{f.floor_label}: {_number(f.floor, f.unit)}"
        verdict = {True: "met", False: "**NOT met**", None: "—"}[f.passed]
        lines.append(
            f"| {f.bench} | {f.name} | {_number(f.ours, f.unit)} | {base} | {f.ratio_text()} |"
            f" {f.target_text()} | {verdict} | {f.differs or 'nothing'} | {f.size} |"
        )
    return lines


def details(figures: list[Figure]) -> list[str]:
    lines = []
    for f in figures:
        if f.notes:
            notes = "; ".join(f"{k}: {v}" for k, v in f.notes.items())
            lines.append(f"- **{f.bench} {f.name}** — {notes}")
    return lines


ROUND_COLUMNS = (
    ("cpu_ms_per_request", "server CPU ms/request", 3),
    ("rps", "requests/s", 0),
    ("p50_ms", "p50 ms", 1),
    ("p99_ms", "p99 ms", 1),
    ("loadgen_cores", "generator cores (busiest process)", 2),
    ("requests", "requests", 0),
    ("errors", "errors", 0),
)


def rounds_tables(figures: list[Figure]) -> list[str]:
    """Every round of this run, per figure measured in rounds."""
    lines: list[str] = []
    for f in (f for f in figures if f.rounds):
        lines += [
            f"### {f.bench} {f.name}",
            "",
            "| round | side | " + " | ".join(title for _, title, _ in ROUND_COLUMNS) + " |",
            "|---|---|" + "---|" * len(ROUND_COLUMNS),
        ]
        count = max(len(runs) for runs in f.rounds.values())
        for n in range(count):
            for side, runs in f.rounds.items():
                if n < len(runs):
                    cells = " | ".join(
                        f"{runs[n][key]:,.{digits}f}" for key, _, digits in ROUND_COLUMNS
                    )
                    lines.append(f"| {n + 1} | {side} | {cells} |")
        if f.ratios:
            each = ", ".join(f"{r:.2f}" for r in f.ratios)
            lines.append("")
            lines.append(f"Ratio (floor ÷ ours CPU per request) per round: {each}.")
        lines.append("")
    return lines


def ten_times_section(runs: list[dict[str, Any]]) -> list[str]:
    """The newest full run at ten times the data, its figures and plans, in the scale-1 page."""
    run = history.newest_at(runs, TEN_TIMES)
    lines = ["## At ten times the data", ""]
    if run is None:
        return [*lines, f"Not run yet: `BENCH_SCALE={TEN_TIMES:g} make bench`.", ""]
    figures = [history.figure_of(f) for f in run["figures"]]
    sizes = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in run["sizes"].items())
    lines += [
        f"From the newest full run at scale {TEN_TIMES:g} (`BENCH_SCALE={TEN_TIMES:g} make"
        f" bench`), started {run['started']} at commit {run['commit']}; its whole report,"
        f" every round included, is [{document_name(TEN_TIMES)}]({document_name(TEN_TIMES)}).",
        "",
        f"Data: {sizes}.",
        "",
        *figure_table(figures),
        "",
    ]
    if run.get("failures"):
        lines += [
            *(f"- failed: {k}: `{' '.join(v.split())}`" for k, v in run["failures"].items()),
            "",
        ]
    # Its plans section has the same title one level down: nested under this one.
    return lines + [
        ("#" + line if line.startswith("#") else line) for line in run.get("sections", [])
    ]


def _head(
    args: argparse.Namespace, machine: dict[str, str], ctx: Context, minutes: float
) -> list[str]:
    command = "make bench" if args.scale == 1 else f"BENCH_SCALE={args.scale:g} make bench"
    return [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`, see `bench/`); do not edit by hand —"
        " the prose below the figures lives in `bench/notes.md`.",
        "",
        f"Reproduce: `{command}` (about {minutes:.0f} minutes here). Options: `python -m bench"
        " --help` (`--quick`, `--only B1,B4`, `--scale N`, `--seconds N`, `--rounds N`).",
        "",
        _rounds_text(args),
        "",
        *_not_run(args),
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in machine.items()),
        "",
        "## Data",
        "",
        f"Generated at scale {ctx.scale:g} by `bench/generate.py` (COPY into a fresh database):",
        "",
        *(f"- {table.replace('_', ' ')}: {count:,}" for table, count in ctx.sizes.items()),
        "",
    ]


def _not_run(args: argparse.Namespace) -> list[str]:
    skipped = [name for name in ("B1", "B2", "B3", "B4", "B5") if name not in args.only]
    if not skipped:
        return []
    return [f"**Not run this time** (`--only`): {', '.join(skipped)}; see the history below.", ""]


def _rounds_text(args: argparse.Namespace) -> str:
    if args.rounds == 1:
        return (
            "**One round only** (`--rounds 1`" + (", `--quick`" if args.quick else "") + "):"
            " no range, and one run moves ±15–20 % on this machine — not a verdict to rely on."
        )
    return (
        f"B1 and B2 run ours and the floor interleaved (ours, floor, ours, floor, …) for"
        f" {args.rounds} rounds and publish the median and the range (min–max) of each measure."
    )


def document(
    args: argparse.Namespace,
    machine: dict[str, str],
    ctx: Context,
    figures: list[Figure],
    failures: dict[str, str],
    minutes: float,
    extra: list[str] | None = None,
) -> str:
    """``extra``: sections placed before the history (the plans at ten times the data)."""
    extra = extra or []
    failed = [f"- {k}: `{' '.join(v.split())}`" for k, v in failures.items()]
    lines = [
        *_head(args, machine, ctx, minutes),
        "## Figures",
        "",
        "For B1 and B2 the measure is the server's CPU time per request (user + system of its"
        " process tree, over the measured seconds only) and the ratio is **floor CPU ÷ ours CPU**"
        ' per request: higher is better, 1.0 would be as cheap as the floor, and "≥ 0.5"'
        " reads \"at most twice the floor's cost\". It is the median of the rounds' ratios, their"
        " range in brackets. For the other figures the ratio is ours ÷ the floor measured in the"
        " same run (for times, lower is better; for throughputs, higher is). The target applies"
        " to the ratio unless it has a unit. A verdict that fails reads **NOT met**; no target"
        " is dropped.",
        "",
        *figure_table(figures),
        "",
        *(["## Failures", "", *failed, ""] if failed else []),
        "## Details",
        "",
        *details(figures),
        "",
        "## Every round of this run",
        "",
        *rounds_tables(figures),
        *extra,
        *(ten_times_section(history.load_all()) if args.scale == 1 else []),
        "## Every run in bench/history",
        "",
        "All of them, oldest first (not the best): each file there holds every round's raw"
        " figures, the machine, the scale and the arguments.",
        "",
        *history.runs_table(history.load_all()),
        "",
    ]
    if NOTES.exists():
        lines.append(NOTES.read_text(encoding="utf-8"))
    return "\n".join(lines)
