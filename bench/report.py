"""docs/performance.md: the machine, the data, every figure against its floor and target."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import asyncpg
import psutil

from bench.common import Context, Figure, run_async
from bench.generate import plain_url

NOTES = Path(__file__).with_name("notes.md")


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
        "| | measure | ours | compared with | ratio | target | verdict | data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = "—" if f.floor is None else f"{f.floor_label}: {_number(f.floor, f.unit)}"
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}"
        verdict = {True: "met", False: "**not met**", None: "—"}[f.passed]
        lines.append(
            f"| {f.bench} | {f.name} | {_number(f.ours, f.unit)} | {base} | {ratio} |"
            f" {f.target_text()} | {verdict} | {f.size} |"
        )
    return lines


def details(figures: list[Figure]) -> list[str]:
    lines = []
    for f in figures:
        if f.notes:
            notes = "; ".join(f"{k}: {v}" for k, v in f.notes.items())
            lines.append(f"- **{f.bench} {f.name}** — {notes}")
    return lines


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
        " --help` (`--quick`, `--only B1,B4`, `--scale N`, `--seconds N`).",
        "",
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


def document(
    args: argparse.Namespace,
    machine: dict[str, str],
    ctx: Context,
    figures: list[Figure],
    failures: dict[str, str],
    minutes: float,
) -> str:
    failed = [f"- {k}: `{v}`" for k, v in failures.items()]
    lines = [
        *_head(args, machine, ctx, minutes),
        "## Figures",
        "",
        "Ratio is ours ÷ the floor measured in the same run (for times, lower is better;"
        " for throughputs, higher is). The target applies to the ratio unless it has a unit.",
        "",
        *figure_table(figures),
        "",
        *(["## Failures", "", *failed, ""] if failed else []),
        "## Details",
        "",
        *details(figures),
        "",
    ]
    if NOTES.exists():
        lines.append(NOTES.read_text(encoding="utf-8"))
    return "\n".join(lines)
