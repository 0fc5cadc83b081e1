"""Load generators, always in a process of their own: wrk when installed, else an httpx driver.

Reads go through wrk (``apt-get install wrk``) when it is on the PATH: it costs the two cores
far less than any Python client, so the server, not the client, is what saturates. Writes, whose
``If-Match`` needs the ETag of each resource's previous answer, and reads without wrk go through
the asyncio httpx driver below (``python -m bench.loadgen …``), run as a child process.

Driver modes: ``get`` (a random path of a file per request), ``members`` (POST a new member to
one of this connection's councils), ``contacts`` (PATCH one of this connection's contacts with
If-Match, keeping the ETag each answer gives). Connection *k* of *n* owns ids ``k, k+n, …``, so no
two connections change the same row and every 412 would be a real failure.

A Python driver costs about as much CPU per request as the server it drives, so one process
saturates its core before the server does: ``run_drivers`` splits the connections over several
processes, and each reports its own CPU over the measured seconds so the report shows whether
the generator, rather than the server, was the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Authorization"] = auth})
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
# Between the last driver process saying it is ready and the common start.
START_MARGIN_SECONDS = 0.3


@dataclass
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    # The generator's CPU over the measured seconds, in cores, of its busiest process (wrk: its
    # one process, two threads), and how many processes drove the load.
    cores: float = 0.0
    processes: int = 1
    # The server's process tree's CPU seconds over the same measured seconds (0: not asked).
    server_cpu: float = 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _wrk_ms(output: str, percentile: str) -> float:
    found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no {percentile}% latency in wrk's output:\n{output}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def run_wrk(
    base_url: str, paths: list[str], token: str, connections: int, seconds: float
) -> LoadResult:
    """One wrk run with two threads (one per core); the caller warms the server up first."""
    with tempfile.TemporaryDirectory() as tmp:
        script, path_file = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        path_file.write_text("\n".join(paths) + "\n")
        env = {**os.environ, "BENCH_PATHS": str(path_file), "BENCH_TOKEN": token}
        argv = [str(wrk_path()), "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        argv += ["--latency", "--timeout", "30s", "-s", str(script), base_url]
        before = _children_cpu()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60)
        wrk_cpu = _children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    out = done.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", out)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    elapsed = float(total.group(2)) * _UNITS[total.group(3)] / 1e3
    return LoadResult(
        tool="wrk",
        connections=connections,
        seconds=elapsed,
        requests=int(total.group(1)),
        errors=errors,
        rps=int(total.group(1)) / elapsed,
        p50_ms=_wrk_ms(out, "50"),
        p99_ms=_wrk_ms(out, "99"),
        cores=wrk_cpu / elapsed,
    )


def _children_cpu() -> float:
    """CPU seconds of every child this process has waited for (a finished generator's own)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_drivers(
    base_url: str,
    mode: str,
    items: list[str],
    token: str,
    connections: int,
    seconds: float,
    warmup: float = 0.0,
    processes: int = 1,
    tag: str = "",
    server_pid: int = 0,
) -> LoadResult:
    """The httpx driver as ``processes`` child processes sharing ``connections``; ``items`` are
    paths (get) or ids (members, contacts), dealt out so no two processes share one. ``tag``
    makes the organisations a members run adds unique to the run. Every process starts its
    warm-up at the same instant (after its imports and, for contacts, the ETags), so the
    measured seconds coincide; the first also reads ``server_pid``'s CPU over them."""
    # Reads may share their paths; writes own their rows, so a process never gets none.
    processes = max(1, min(processes, connections, len(items) if mode != "get" else processes))
    with tempfile.TemporaryDirectory() as tmp:
        children = []
        for p in range(processes):
            path = Path(tmp) / f"items-{p}.txt"
            share_items = items if mode == "get" else items[p::processes]
            path.write_text("\n".join(share_items) + "\n")
            share = connections // processes + (p < connections % processes)
            argv = [sys.executable, "-m", "bench.loadgen", "--base-url", base_url, "--mode", mode]
            argv += ["--items", str(path), "--connections", str(share)]
            argv += ["--seconds", str(seconds), "--warmup", str(warmup), "--tag", f"{tag}p{p}"]
            argv += ["--barrier", "--server-pid", str(server_pid if p == 0 else 0)]
            env = {**os.environ, "BENCH_TOKEN": token}
            children.append(
                subprocess.Popen(
                    argv, env=env, cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=PIPE, text=True
                )
            )
        _start_together(children)
        outputs = [child.communicate(timeout=seconds + warmup + 120) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        if child.returncode != 0:
            raise RuntimeError(f"load driver failed:\n{err}")
    return merge([json.loads(out.strip().splitlines()[-1]) for out, _ in outputs], seconds)


def _start_together(children: list[subprocess.Popen[str]]) -> None:
    """Wait for each driver's "ready" (imports done, ETags primed), then give all one start."""
    for child in children:
        assert child.stdout is not None and child.stdin is not None
        if child.stdout.readline().strip() != "ready":
            return  # it failed; communicate() collects its error
    start_at = time.time() + START_MARGIN_SECONDS
    for child in children:
        assert child.stdin is not None
        child.stdin.write(f"{start_at}\n")
        child.stdin.flush()


def merge(parts: list[dict[str, Any]], seconds: float) -> LoadResult:
    """One result of several driver processes: their requests summed, latencies pooled."""
    latencies = sorted(float(x) for part in parts for x in part["latencies_ms"])
    return LoadResult(
        tool="httpx",
        connections=sum(int(part["connections"]) for part in parts),
        seconds=seconds,
        requests=len(latencies),
        errors=sum(int(part["errors"]) for part in parts),
        rps=len(latencies) / seconds,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
        cores=max(float(part["cores"]) for part in parts),
        processes=len(parts),
        server_cpu=sum(float(part["server_cpu"]) for part in parts),
    )


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its live children (a server's whole tree)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class Driver:
    """``connections`` loops, each on its own keep-alive connection, until the deadline."""

    def __init__(
        self, client: httpx.AsyncClient, mode: str, items: list[str], connections: int, tag: str
    ):
        self.client = client
        self.tag = tag
        self.mode = mode
        self.items = items
        self.connections = connections
        self.latencies: list[float] = []
        self.errors = 0
        self.counter = itertools.count()
        self.etags: dict[str, str] = {}

    async def _prime_etags(self) -> None:
        """Each contact's ETag, before the clock starts: a contact's ETag is a digest of its
        representation, which the driver cannot guess, and the 412 to a wrong one names it."""
        for item in self.items:
            response = await self.client.patch(
                f"/v1/contacts/{item}", json={}, headers={"If-Match": '"unknown"'}
            )
            self.etags[item] = response.json()["current_etag"]

    async def run(
        self, seconds: float, warmup: float, barrier: bool, server_pid: int
    ) -> dict[str, Any]:
        """The measured window's latencies (ms), errors, this process's CPU in cores and the
        server's CPU seconds (when ``server_pid``)."""
        if self.mode == "contacts":
            await self._prime_etags()
        if barrier:  # the parent starts every driver process at the same instant
            print("ready", flush=True)
            start_at = float(sys.stdin.readline())
            await asyncio.sleep(max(0.0, start_at - time.time()))
        start = time.perf_counter()
        measure_from, deadline = start + warmup, start + warmup + seconds
        loops = [self._loop(k, measure_from, deadline) for k in range(self.connections)]
        clock = asyncio.ensure_future(self._cpu_between(measure_from, deadline, server_pid))
        await asyncio.gather(*loops)
        own, server = await clock
        return {
            "connections": self.connections,
            "errors": self.errors,
            "cores": own / seconds,
            "server_cpu": server,
            "latencies_ms": [round(x * 1e3, 3) for x in self.latencies],
        }

    @staticmethod
    async def _cpu_between(start: float, end: float, server_pid: int) -> tuple[float, float]:
        """(this process's, the server tree's) CPU seconds between two instants."""
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        own, server = time.process_time(), tree_cpu_seconds(server_pid) if server_pid else 0.0
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        own = time.process_time() - own
        return own, (tree_cpu_seconds(server_pid) - server) if server_pid else 0.0

    async def _loop(self, k: int, measure_from: float, deadline: float) -> None:
        own = self.items[k :: self.connections] or self.items
        etags = self.etags
        for n in itertools.count():
            began = time.perf_counter()
            if began >= deadline:
                return
            item = random.choice(own) if self.mode == "get" else own[n % len(own)]
            response = await self._request(item, etags)
            ended = time.perf_counter()
            ok = response.status_code < 300
            if ok and self.mode == "contacts":
                etags[item] = response.headers["etag"]
            if began >= measure_from and ended <= deadline:
                self.latencies.append(ended - began)
                self.errors += not ok

    async def _request(self, item: str, etags: dict[str, str]) -> httpx.Response:
        if self.mode == "get":
            return await self.client.get(item)
        n = next(self.counter)
        if self.mode == "members":
            member = {"organisation": f"ベンチ工業{self.tag}-{n}", "category": "private_company"}
            return await self.client.post(f"/v1/councils/{item}/members", json=member)
        change = {"phone": f"03-{n % 10000:04d}-0000", "organisation": f"ベンチ課{n}"}
        return await self.client.patch(
            f"/v1/contacts/{item}", json=change, headers={"If-Match": etags[item]}
        )


async def _drive(args: argparse.Namespace, items: list[str]) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    headers = {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"}
    async with httpx.AsyncClient(
        base_url=args.base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        driver = Driver(client, args.mode, items, args.connections, args.tag)
        return await driver.run(args.seconds, args.warmup, args.barrier, args.server_pid)


def main() -> None:
    parser = argparse.ArgumentParser(description="httpx load driver (one process)")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mode", choices=("get", "members", "contacts"), required=True)
    parser.add_argument("--items", required=True, help="file: one path or id per line")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds not measured first")
    parser.add_argument("--tag", default="", help="makes added organisations unique to the run")
    parser.add_argument(
        "--barrier", action="store_true", help='print "ready", start at the time read from stdin'
    )
    parser.add_argument("--server-pid", type=int, default=0, help="report this tree's CPU too")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    items = [line for line in Path(args.items).read_text().splitlines() if line]
    if not items:
        raise SystemExit("no paths or ids to work on")
    print(json.dumps(asyncio.run(_drive(args, items))))


if __name__ == "__main__":
    main()
