"""Run the suite against a seeded bench database and write the report.

    python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1/miniapp_bench \
        --redis-url redis://127.0.0.1:6379/7

Phases: hot paths interleaved with their references (2 sync workers, the SQL leaderboard
backend, then the Redis backend for the boards), the SQL board's rank cost one request at
a time (after a rebuild, then after a VACUUM), the mixed journey at rising concurrency and
the burst of one pushed article (both under the shipped gunicorn.conf.py), then
`flask points verify`. Results go to bench/results/<date>-<label>.md/.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import create_engine, text

from bench import environment, journey, ranks, report
from bench.loadgen import RequestFile, run_wrk, write_requests
from bench.openloop import get_request, run_open_loop
from bench.pools import Pools
from bench.refapp import create_scratch_table
from bench.scenarios import REFERENCES, SCENARIOS, reference_lines
from bench.servers import ROOT, Server
from miniapp_api import create_app

BENCH = ROOT / "bench"
DATA = BENCH / ".data"
BENCH_CONFIG = BENCH / "gunicorn_bench.py"
SHIPPED_CONFIG = ROOT / "gunicorn.conf.py"
REDIS_PREFIX = "bench:"
PORTS = {"reference": 18701, "app": 18702, "shipped": 18703}
# Secrets of the bench servers only (never used anywhere else).
SECRETS = {
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghij",
    "JWT_SECRET_KEY": "bench-only-jwt-secret-0123456789abcdefghij",
}


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", help="a Redis db of the bench's own (keys under bench:)")
    parser.add_argument("--label", help="report name suffix (default: the database kind)")
    parser.add_argument("--seconds", type=int, default=5, help="per measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--read-connections", type=int, default=4)
    parser.add_argument("--write-connections", type=int, default=32)
    parser.add_argument("--write-budget", type=int, default=12_000, help="users per write path")
    parser.add_argument("--journey-lines", type=int, default=40_000)
    parser.add_argument("--journey-seconds", type=int, default=10)
    parser.add_argument("--journey-connections", default="2,4,8,16,32,64,128")
    parser.add_argument("--burst-share", type=float, default=0.10, help="of the volunteers")
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--rank-repeats", type=int, default=200)
    parser.add_argument("--seed-timings", type=Path, default=DATA / "seed.json")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--seed", type=int, default=15)
    return parser.parse_args(argv)


def app_env(args, backend: str) -> dict:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUNICORN_", "REDIS_", "LEADERBOARD_", "DATABASE_", "BENCH_"))
    }
    keep.update(
        SECRETS,
        FLASK_APP="wsgi.py",
        APP_ENV="development",
        FLASK_DEBUG="0",
        DEV_LOGIN_ENABLED="0",
        LOG_LEVEL="WARNING",
        DATABASE_URL=args.database_url,
        LEADERBOARD_BACKEND=backend,
        # A real reader spends 15 s on an article and 3 s a question: the bench does
        # not wait, so that finishing and submitting earn points as theirs would.
        ARTICLE_MIN_READ_SECONDS="0",
        QUIZ_MIN_SECONDS_PER_QUESTION="0",
        # Every bench client comes from 127.0.0.1, standing for thousands of phones: the
        # per-address ceiling is lifted; the per-user limits stay.
        WRITE_IP_RATE_LIMIT="100000000 per minute",
    )
    if args.redis_url:
        keep.update(REDIS_URL=args.redis_url, REDIS_KEY_PREFIX=REDIS_PREFIX)
    return keep


def flask(env: dict, *command: str) -> subprocess.CompletedProcess:
    flask_bin = str(Path(sys.executable).parent / "flask")
    return subprocess.run([flask_bin, *command], cwd=ROOT, env=env, capture_output=True, text=True)


def clear_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def median_of(runs: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p99_ms")
    merged = {key: round(statistics.median(r[key] for r in runs), 2) for key in keys}
    merged["errors"] = sum(r["errors"] for r in runs)
    merged["requests"] = sum(r["requests"] for r in runs)
    merged["wrapped"] = sum(r["wrapped"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for code, n in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    merged["statuses"] = statuses
    return merged


class Suite:
    def __init__(self, args):
        self.args = args
        self.has_redis = bool(args.redis_url)
        self.label = args.label or urlsplit(args.database_url).scheme.split("+")[0]
        self.logs = DATA / "logs"
        self.results: dict = {"hot_paths": []}

    def prepare(self) -> None:
        os.environ.update(app_env(self.args, "sql"))  # create_app reads its settings from here
        tz = ZoneInfo(os.environ.get("APP_TIMEZONE") or "Asia/Shanghai")
        self.pools = Pools.load(
            self.args.database_url, create_app(), self.args.seed, datetime.now(tz).date()
        )
        if self.has_redis:
            clear_redis(self.args.redis_url)
        create_scratch_table(self.args.database_url)
        files = DATA / "requests"
        self.references = {
            name: write_requests(files / f"ref-{n}.txt", reference_lines(name, self.pools))
            for n, name in enumerate(REFERENCES)
        }
        self.files: dict[str, RequestFile] = {}
        for n, scenario in enumerate(SCENARIOS):
            budget = self.args.write_budget
            if scenario.pool:  # leave some of every pool for the journey
                budget = min(budget, int(self.pools.size(scenario.pool) * 0.6))
            lines = scenario.lines(self.pools, budget)
            self.files[scenario.name] = write_requests(files / f"path-{n:02d}.txt", lines)
        self.journey = write_requests(
            files / "journey.txt", journey.journey_lines(self.pools, self.args.journey_lines)
        )

    def server(self, name: str, app: str, config: Path, env: dict, probe: str) -> Server:
        return Server(name, app, config, PORTS[name], env, self.logs / f"{name}.log", probe)

    def hot_paths(self, backend: str, boards_only: bool) -> None:
        env = app_env(self.args, backend)
        app = self.server("app", "wsgi:app", BENCH_CONFIG, env, "/healthz")
        try:
            for scenario in SCENARIOS:
                if boards_only and not scenario.boards:
                    continue
                self.results["hot_paths"].append(self.measure(scenario, backend, app))
        finally:
            app.stop()

    def measure(self, scenario, backend: str, app: Server) -> dict:
        args = self.args
        connections = args.write_connections if scenario.write else args.read_connections
        requests = self.files[scenario.name]
        reference = self.references[scenario.reference]
        run_wrk(app.base_url, requests, connections, 1)  # warm-up, not counted
        rounds, rss, load = [], 0.0, [os.getloadavg()[0]]
        for _ in range(args.rounds):
            ref = run_wrk(self.reference.base_url, reference, connections, args.seconds)
            path = run_wrk(app.base_url, requests, connections, args.seconds)
            rss = max(rss, app.worker_rss_mb())
            rounds.append({"reference": ref, "path": path})
        load.append(os.getloadavg()[0])
        path = median_of([r["path"] for r in rounds])
        ref = median_of([r["reference"] for r in rounds])
        result = {
            "name": scenario.name,
            "backend": backend,
            "reference": scenario.reference,
            "write": scenario.write,
            "connections": connections,
            "path": path,
            "reference_result": ref,
            "ratio": round(path["rps"] / ref["rps"], 3),
            "round_ratios": [round(r["path"]["rps"] / r["reference"]["rps"], 3) for r in rounds],
            "worker_rss_mb": rss,
            "load_average": load,  # 1-minute, before and after: other work on the machine
            "rounds": rounds,
            "min_ratio": scenario.min_ratio,
            "max_p99_ms": scenario.max_p99_ms,
        }
        print(
            f"  {scenario.name:<42} {backend:<5} {path['rps']:8.1f} req/s  "
            f"ratio {result['ratio']:.2f}  p99 {path['p99_ms']:.1f} ms  "
            f"errors {path['errors']}",
            flush=True,
        )
        return result

    def rank_costs(self) -> None:
        env = app_env(self.args, "sql")
        rebuilt = flask(env, "leaderboards", "rebuild")
        if rebuilt.returncode != 0:
            raise RuntimeError(f"rebuild failed: {rebuilt.stderr}")
        app = self.server("app", "wsgi:app", BENCH_CONFIG, env, "/healthz")
        try:
            members = ranks.members_at_ranks(self.pools)
            costs = {
                "after_rebuild": ranks.rank_costs(
                    app.port, self.pools, members, self.args.rank_repeats
                )
            }
            engine = create_engine(self.args.database_url)
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM leaderboard_scores"))
                costs["after_vacuum"] = ranks.rank_costs(
                    app.port, self.pools, members, self.args.rank_repeats
                )
            engine.dispose()
        finally:
            app.stop()
        self.results["rank_costs"] = costs
        for phase, rows in costs.items():
            for row in rows:
                print(
                    f"  rank {row['rank']:<5} {phase:<14} p50 {row['p50_ms']:.1f} ms  "
                    f"p99 {row['p99_ms']:.1f} ms",
                    flush=True,
                )

    def journey_and_burst(self) -> None:
        backend = "redis" if self.has_redis else "sql"
        env = app_env(self.args, backend)
        server = self.server("shipped", "wsgi:app", SHIPPED_CONFIG, env, "/healthz")
        try:
            self.results["journey"] = self.ramp(server, backend)
            self.results["burst"] = self.burst(server, backend)
        finally:
            server.stop()

    def ramp(self, server: Server, backend: str) -> dict:
        steps = []
        run_wrk(server.base_url, self.journey, 4, 1)  # warm-up
        for connections in [int(c) for c in self.args.journey_connections.split(",")]:
            result = run_wrk(server.base_url, self.journey, connections, self.args.journey_seconds)
            result.update(
                connections=connections,
                worker_rss_mb=server.worker_rss_mb(),
                multiple=round(result["rps"] / journey.AVERAGE_RPS, 1),
            )
            steps.append(result)
            print(
                f"  journey c={connections:<4} {result['rps']:8.1f} req/s "
                f"({result['multiple']}x)  p99 {result['p99_ms']:.1f} ms  "
                f"errors {result['errors']}",
                flush=True,
            )
            if result["p99_ms"] > 200 or result["errors"]:
                break
        passing = [s for s in steps if s["p99_ms"] <= 200 and not s["errors"]]
        best = max(passing, key=lambda s: s["rps"]) if passing else None
        return {
            "backend": backend,
            "average_rps": round(journey.AVERAGE_RPS, 2),
            "steps": steps,
            "best": best,
            "mix": journey.MIX,
        }

    def burst(self, server: Server, backend: str) -> dict:
        volunteers = self.pools.size("volunteers")
        opens = round(volunteers * self.args.burst_share)
        users = self.pools.take("burst", opens)
        path = f"/api/v1/articles/{self.pools.pushed_article}"
        requests = [get_request("127.0.0.1", server.port, path, self.pools.token(u)) for u in users]
        result = run_open_loop(
            "127.0.0.1", server.port, requests, len(requests) / self.args.burst_seconds
        )
        result.update(
            backend=backend,
            opens=len(requests),
            volunteers=volunteers,
            worker_rss_mb=server.worker_rss_mb(),
        )
        print(
            f"  burst {result['requests']} opens at {result['rate_asked']}/s: "
            f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}",
            flush=True,
        )
        return result

    def run(self) -> Path:
        started = time.time()
        self.results.update(
            started_at=datetime.now().astimezone().isoformat(timespec="seconds"),
            label=self.label,
            machine=environment.machine(),
            versions=environment.versions(self.args.database_url, self.args.redis_url),
            data=environment.data_sizes(self.args.database_url),
            settings={
                k: str(v) if isinstance(v, Path) else v
                for k, v in vars(self.args).items()
                if k not in ("database_url", "redis_url")
            },
        )
        if self.args.seed_timings.exists():
            self.results["seed"] = json.loads(self.args.seed_timings.read_text())
        print("preparing pools and request files", flush=True)
        self.prepare()
        self.reference = self.server(
            "reference",
            "bench.refapp:create_ref_app()",
            BENCH_CONFIG,
            app_env(self.args, "sql"),
            "/hello",
        )
        try:
            print("hot paths", flush=True)
            self.hot_paths("sql", boards_only=False)
            print("SQL leaderboard rank cost", flush=True)
            self.rank_costs()
            if self.has_redis:
                self.hot_paths("redis", boards_only=True)
        finally:
            self.reference.stop()
        print("mixed journey and burst (shipped gunicorn.conf.py)", flush=True)
        self.journey_and_burst()
        verified = flask(app_env(self.args, "sql"), "points", "verify")
        self.results["points_verify"] = {
            "ok": verified.returncode == 0,
            "output": (verified.stdout + verified.stderr)[-2000:],
        }
        self.results["data_after"] = environment.data_sizes(self.args.database_url)
        self.results["duration_s"] = round(time.time() - started, 1)
        return report.write(self.results, self.args.out)


def main(argv=None) -> None:
    path = Suite(parse(argv)).run()
    print(f"report: {path}")


if __name__ == "__main__":
    main()
