"""``python -m bench`` (``make bench``): generate, run B1–B5, write docs/performance.md.

PostgreSQL is the server of ``TEST_DATABASE_URL`` when it is set (the bench creates databases of
its own there and drops them afterwards; it never touches the test database), else an embedded
one. Redis is always an embedded one: a Redis shared with running tests would see the bench
flush its queues. Every process it starts binds 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import history, plans, report
from bench.common import ROOT, Context, Figure, create_database, drop_database, run_async
from bench.generate import generate
from devtools.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

BENCHMARKS = {
    "B1": "bench.b1_reads",
    "B2": "bench.b2_writes",
    "B3": "bench.b3_delivery",
    "B4": "bench.b4_sweep",
    "B5": "bench.b5_startup",
}


@contextmanager
def servers(work_dir: Path) -> Iterator[tuple[str, str]]:
    """(PostgreSQL URL, Redis URL) for the run."""
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    try:
        admin_url = os.environ.get("TEST_DATABASE_URL")
        if not admin_url:
            started.append(EmbeddedPostgres(work_dir / "servers", free_port()))
            admin_url = started[-1].start()
        started.append(EmbeddedRedis(work_dir / "servers", free_port()))
        yield admin_url, started[-1].start()
    finally:
        for server in reversed(started):
            server.stop()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("BENCH_SCALE", "0") or 0) or None,
        help="data scale (default 1, or BENCH_SCALE; --quick: 0.1)",
    )
    parser.add_argument("--quick", action="store_true", help="small data, short runs (~3 min)")
    parser.add_argument("--only", default="", help="comma list, e.g. B1,B4 (default: all)")
    parser.add_argument("--seconds", type=float, help="measured seconds per load run (default 10)")
    parser.add_argument(
        "--out",
        type=Path,
        help="the report (default docs/performance.md, at another scale"
        " docs/performance-at-scale-N.md; a --quick run writes none unless given)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and work dir")
    parser.add_argument(
        "--rounds",
        type=int,
        help="interleaved rounds of ours and the floor per B1/B2 figure (default 3; --quick: 1)",
    )
    args = parser.parse_args(argv)
    args.scale = args.scale or (0.1 if args.quick else 1.0)
    args.rounds = max(1, args.rounds or (1 if args.quick else 3))
    args.seconds = args.seconds or (4.0 if args.quick else 10.0)
    if args.out is None and not args.quick:
        args.out = ROOT / "docs" / report.document_name(args.scale)
    args.only = [b.strip().upper() for b in args.only.split(",") if b.strip()] or list(BENCHMARKS)
    return args


@dataclass
class Run:
    """What a run has so far; written out after every benchmark, so a run cut short (a
    deadline, a crash of the machine) still leaves its finished figures in history and report."""

    args: argparse.Namespace
    machine: dict[str, str]
    started_at: datetime
    started: float
    figures: list[Figure] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    commit: str = field(default_factory=history.short_commit)  # the code measured, at the start

    def write(self, ctx: Context, pending: list[str]) -> None:
        machine = dict(self.machine)
        if "load average after" not in machine:
            machine["load average now"] = report.load_average()
        failures = {**self.failures, **{name: "not run yet (the run goes on)" for name in pending}}
        kept = history.write(
            history.record(
                _arguments(self.args),
                machine,
                ctx.sizes,
                self.figures,
                failures,
                self.started_at,
                self.commit,
                self.extra,
            )
        )
        minutes = (time.perf_counter() - self.started) / 60
        if self.args.out is not None:
            self.args.out.write_text(
                report.document(
                    self.args, machine, ctx, self.figures, failures, minutes, self.extra
                ),
                encoding="utf-8",
            )
        print(f"kept {kept}" + (f", wrote {self.args.out}" if self.args.out else ""), flush=True)


def run_benchmarks(ctx: Context, run: Run) -> None:
    names = run.args.only
    for n, name in enumerate(names):
        started = time.perf_counter()
        print(f"--- {name}", flush=True)
        try:
            module = importlib.import_module(BENCHMARKS[name])
            run.figures += module.run(ctx, lambda f: print(f.line(), flush=True))
        except Exception as exc:  # one benchmark failing must not hide the others' figures
            traceback.print_exc()
            run.failures[name] = f"{type(exc).__name__}: {exc}"
        print(f"--- {name} took {time.perf_counter() - started:.0f} s", flush=True)
        run.write(ctx, names[n + 1 :])


def _plans(ctx: Context, failures: dict[str, str]) -> list[str]:
    try:
        return plans.section(ctx)
    except Exception as exc:  # the figures are kept even if the plans cannot be read
        traceback.print_exc()
        failures["plans"] = f"{type(exc).__name__}: {exc}"
        return []


def _arguments(args: argparse.Namespace) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="jisso-bench-"))
    run = Run(args, report.machine(), datetime.now(UTC), time.perf_counter())
    with servers(work_dir) as (admin_url, redis_url):
        database_url = run_async(create_database(admin_url))
        try:
            print(f"generating scale {args.scale:g} into {database_url}", flush=True)
            sizes = run_async(generate(database_url, scale=args.scale, progress=lambda _: None))
            print(f"generated: {sizes}", flush=True)
            ctx = Context(
                admin_url=admin_url,
                database_url=database_url,
                redis_url=redis_url,
                work_dir=work_dir,
                scale=args.scale,
                seconds=args.seconds,
                quick=args.quick,
                sizes=sizes,
                rounds=args.rounds,
            )
            run.machine.update(report.postgres(database_url))
            # The plans first, on the data as generated (the writes of B2 come later).
            run.extra = _plans(ctx, run.failures)
            run_benchmarks(ctx, run)
        finally:
            if not args.keep:
                run_async(drop_database(admin_url, database_url))
    run.machine["load average after"] = report.load_average()
    run.write(ctx, [])
    print(f"bench done in {(time.perf_counter() - run.started) / 60:.1f} min", flush=True)
    if not args.keep:
        shutil.rmtree(work_dir, ignore_errors=True)
