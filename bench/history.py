"""bench/history: one JSON file per run, every round's raw figures, never pruned.

The report shows every run kept here, not the best one: a figure that moved between runs is
visible as such. A file is ``<UTC timestamp>-<short commit>.json`` so the directory lists in
run order.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, Figure

HISTORY = Path(__file__).with_name("history")


def short_commit() -> str:
    """The checkout's commit, ``+changes`` when the work tree differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def figure_record(figure: Figure) -> dict[str, Any]:
    return {**asdict(figure), "ratio": figure.ratio, "passed": figure.passed}


def record(
    args: dict[str, Any],
    machine: dict[str, str],
    sizes: dict[str, int],
    figures: list[Figure],
    failures: dict[str, str],
    started: datetime,
    commit: str | None = None,
    sections: list[str] | None = None,
) -> dict[str, Any]:
    """``commit``: the one measured, read when the run began (it may commit meanwhile);
    ``sections``: the report's extra sections (the plans), so a later report can show them."""
    return {
        "started": started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit or short_commit(),
        "args": args,
        "machine": machine,
        "sizes": sizes,
        "figures": [figure_record(f) for f in figures],
        "failures": failures,
        "sections": sections or [],
    }


def write(run: dict[str, Any], directory: Path = HISTORY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = run["started"].replace("-", "").replace(":", "")
    path = directory / f"{stamp}-{run['commit'].split('+')[0]}.json"
    path.write_text(json.dumps(run, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_all(directory: Path = HISTORY) -> list[dict[str, Any]]:
    """Every run kept, oldest first."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    ]


def figure_of(saved: dict[str, Any]) -> Figure:
    """A figure as a run kept it (its derived ``ratio`` and ``passed`` recomputed)."""
    return Figure(**{k: v for k, v in saved.items() if k not in ("ratio", "passed")})


def newest_at(runs: list[dict[str, Any]], scale: float) -> dict[str, Any] | None:
    """The newest full run (not ``--quick``) at ``scale`` that measured something."""
    kept = [
        run
        for run in runs
        if float(run.get("args", {}).get("scale") or 0) == scale
        and not run.get("args", {}).get("quick")
        and run["figures"]
    ]
    return kept[-1] if kept else None


def _ratio(figure: dict[str, Any]) -> str:
    if figure.get("absolute"):  # the target is on the value itself (B5's seconds)
        return f"{figure['ours']:,.2f} {figure['unit']}"
    if figure.get("ratio") is None:
        return "—"
    ratios = figure.get("ratios") or []
    if len(ratios) > 1:
        return f"{figure['ratio']:.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
    return f"{figure['ratio']:.2f}"


def runs_table(runs: list[dict[str, Any]]) -> list[str]:
    """One row per figure of every run: its ratio (median and range of the rounds), verdict."""
    lines = [
        "| run (UTC) | commit | scale, rounds | figure | ratio (or value) | target | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = {True: "met", False: "**NOT met**", None: "—"}
    for run in runs:
        args = run.get("args", {})
        setting = f"{args.get('scale', '?')}, {args.get('rounds', 1)}"
        if args.get("quick"):
            setting += " (quick)"
        for f in run["figures"]:
            sign = "≥" if f.get("higher_is_better") else "≤"
            target = "—" if f.get("target") is None else f"{sign} {f['target']:g}"
            lines.append(
                f"| {run['started']} | {run['commit']} | {setting} | {f['bench']} {f['name']} |"
                f" {_ratio(f)} | {target} | {verdicts[f.get('passed')]} |"
            )
        for name, failure in run.get("failures", {}).items():
            said = " ".join(failure.split()).replace("|", "/")
            lines.append(
                f"| {run['started']} | {run['commit']} | {setting} | {name} | failed:"
                f" {said[:160]} | — | — |"
            )
    return lines
