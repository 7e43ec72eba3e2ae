"""wrk runs: fixed connections, bounded time, requests rotated by bench/wrk/requests.lua."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "requests.lua"
THREADS = 2


@dataclass
class RequestFile:
    """A file of request lines and how far the runs so far have consumed it."""

    path: Path
    lines: int
    used: list[int] = field(default_factory=lambda: [0] * THREADS)  # lines used per thread


def write_requests(path: Path, lines: list[tuple[str, str, str | None, str | None, str | None]]):
    """(method, path, token, json body, extra header) per line; None is written as '-'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        for line in lines:
            out.write("\t".join("-" if value is None else value for value in line) + "\n")
    return RequestFile(path, len(lines))


def wrk_version() -> str:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    first = (result.stdout + result.stderr).split("\n", 1)[0].split()
    return " ".join(first[1:3])  # "debian/4.1.0-3+b2 [epoll]"


def run_wrk(base_url: str, requests: RequestFile, connections: int, seconds: float) -> dict:
    if connections < THREADS:
        raise ValueError(f"wrk needs at least {THREADS} connections (one per thread)")
    env = dict(
        os.environ,
        BENCH_REQUESTS=str(requests.path),
        BENCH_THREADS=str(THREADS),
        BENCH_USED=",".join(map(str, requests.used)),
    )
    command = [
        "wrk",
        "-t",
        str(THREADS),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base_url,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    marked = [line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if result.returncode != 0 or not marked:
        raise RuntimeError(f"wrk failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    data = json.loads(marked[0].removeprefix("BENCH_JSON "))
    requests.used = data["used"]
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds_run, 1),
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(data["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(data["latency_us"]["max"] / 1000, 2),
        "errors": errors,
        "error_detail": {k: v for k, v in data["errors"].items() if v},
        "statuses": data["statuses"],
        "wrapped": data["wrapped"],
    }
