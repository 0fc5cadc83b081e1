"""Load generators, always in a process of their own: wrk when installed, else an httpx driver.

Reads go through wrk (``apt-get install wrk``) when it is on the PATH: it costs the two cores
far less than any Python client, so the server, not the client, is what saturates. Writes, whose
``If-Match`` needs the ETag of each resource's previous answer, and reads without wrk go through
the asyncio httpx driver below (``python -m bench.loadgen …``), run as a child process.

Driver modes: ``get`` (a random path of a file per request), ``members`` (POST a new member to
one of this connection's councils), ``contacts`` (PATCH one of this connection's contacts with
If-Match, keeping the ETag each answer gives). Connection *k* of *n* owns ids ``k, k+n, …``, so no
two connections change the same row and every 412 would be a real failure.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

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
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60)
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
    )


def run_driver(
    base_url: str,
    mode: str,
    items: list[str],
    token: str,
    connections: int,
    seconds: float,
    warmup: float = 0.0,
) -> LoadResult:
    """The httpx driver as a child process; ``items`` are paths (get) or ids (members, contacts)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(items) + "\n")
    try:
        argv = [sys.executable, "-m", "bench.loadgen", "--base-url", base_url, "--mode", mode]
        argv += ["--items", f.name, "--connections", str(connections), "--seconds", str(seconds)]
        argv += ["--warmup", str(warmup)]
        env = {**os.environ, "BENCH_TOKEN": token}
        done = subprocess.run(
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120
        )
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        raise RuntimeError(f"load driver failed:\n{done.stderr}")
    return LoadResult(**json.loads(done.stdout.strip().splitlines()[-1]))


class Driver:
    """``connections`` loops, each on its own keep-alive connection, until the deadline."""

    def __init__(self, client: httpx.AsyncClient, mode: str, items: list[str], connections: int):
        self.client = client
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

    async def run(self, seconds: float, warmup: float) -> LoadResult:
        if self.mode == "contacts":
            await self._prime_etags()
        start = time.perf_counter()
        measure_from, deadline = start + warmup, start + warmup + seconds
        await asyncio.gather(
            *(self._loop(k, measure_from, deadline) for k in range(self.connections))
        )
        lat = sorted(self.latencies)
        return LoadResult(
            tool="httpx",
            connections=self.connections,
            seconds=seconds,
            requests=len(lat),
            errors=self.errors,
            rps=len(lat) / seconds,
            p50_ms=statistics.median(lat) * 1e3 if lat else 0.0,
            p99_ms=lat[int(len(lat) * 0.99)] * 1e3 if lat else 0.0,
        )

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
            member = {"organisation": f"ベンチ工業{n}", "category": "private_company"}
            return await self.client.post(f"/v1/councils/{item}/members", json=member)
        change = {"phone": f"03-{n % 10000:04d}-0000", "organisation": f"ベンチ課{n}"}
        return await self.client.patch(
            f"/v1/contacts/{item}", json=change, headers={"If-Match": etags[item]}
        )


async def _drive(args: argparse.Namespace, items: list[str]) -> LoadResult:
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    headers = {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"}
    async with httpx.AsyncClient(
        base_url=args.base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        return await Driver(client, args.mode, items, args.connections).run(
            args.seconds, args.warmup
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="httpx load driver (one process)")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mode", choices=("get", "members", "contacts"), required=True)
    parser.add_argument("--items", required=True, help="file: one path or id per line")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds not measured first")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    items = [line for line in Path(args.items).read_text().splitlines() if line]
    if not items:
        raise SystemExit("no paths or ids to work on")
    print(json.dumps(asdict(asyncio.run(_drive(args, items)))))


if __name__ == "__main__":
    main()
