"""Load the bench database: schema, content, then bulk data, deterministic from a seed.

    python -m bench.seed --database-url postgresql+psycopg://postgres@127.0.0.1/miniapp_bench \
        --seed 15 --scale 1.0 --reset

Sizes at scale 1.0 (issue 15): 300 zones, 2,000 promoters, 130,000 volunteers with
enrollments, 100 articles, 600 questions, 2,000,000 ledger rows over 90 days, 20,000
redemptions; then `flask leaderboards rebuild`. The data is the same for the same seed
on the same day (dates are relative to today).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import psycopg

from bench.seeding import catalogue, geometry, ledger, people, writes
from bench.seeding.sink import connect, libpq_url

ROOT = Path(__file__).resolve().parent.parent
FULL = {
    "zones": 300,
    "articles": 100,
    "questions": 600,
    "promoters": 2_000,
    "volunteers": 130_000,
    "residents": 30_000,
    "ledger": 2_000_000,
    "redemptions": 20_000,
}
FIXED = ("zones", "articles", "questions")


def sizes(scale: float) -> dict[str, int]:
    return {k: v if k in FIXED else max(10, round(v * scale)) for k, v in FULL.items()}


def flask(database_url: str, *args: str) -> None:
    """Run a `flask` command of the app against the bench database (no Redis)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LEADERBOARD_BACKEND")}
    env.update(FLASK_APP="wsgi.py", DATABASE_URL=database_url, FLASK_DEBUG="0")
    command = [str(Path(sys.executable).parent / "flask"), *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def database_name(database_url: str) -> str:
    """The PostgreSQL database's name, or the SQLite file's path."""
    if database_url.startswith("sqlite"):
        return database_url.split(":///", 1)[1]
    return urlsplit(database_url).path.lstrip("/")


def reset(database_url: str) -> None:
    """A fresh, empty database. Never one whose name contains `test`."""
    name = database_name(database_url)
    if "test" in Path(name).name:
        raise SystemExit(f"refusing to reset {name!r}: test databases belong to the test suite")
    if database_url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = libpq_url(database_url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Timer:
    def __init__(self):
        self.steps: dict[str, float] = {}
        self.start = self.last = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self.last, 2)
        self.last = now
        print(f"  {name:<22} {self.steps[name]:7.2f} s", flush=True)

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def load(sink, rng, counts: dict[str, int], timer: Timer) -> dict[str, int]:
    tz = ZoneInfo(os.environ.get("APP_TIMEZONE") or "Asia/Shanghai")
    local_now = datetime.now(tz)
    today = local_now.date()
    today_start = int(datetime.combine(today, clock(), tz).timestamp())
    utc_offset = int(local_now.utcoffset().total_seconds())
    now = int(local_now.timestamp())
    written: dict[str, int] = {}

    first_zone = (sink.scalar("SELECT MAX(id) FROM zones") or 0) + 1
    zones = geometry.build_zones(rng, counts["zones"], first_zone)
    stamp = sink.timestamps(np.array([now - 120 * people.DAY]))[0]
    written["zones"] = sink.write(
        "zones",
        [
            "id",
            "slug",
            "name",
            "district",
            "kind",
            "parent_id",
            "active",
            "shape",
            "vertex_count",
            "created_at",
            "updated_at",
        ],
        (
            (
                z.id,
                f"bench-zone-{z.id}",
                z.name,
                "慈溪市",
                z.kind,
                z.parent_id,
                True,
                z.storage(),
                z.vertex_count,
                stamp,
                stamp,
            )
            for z in zones
        ),
    )
    readable, pushed = catalogue.write_articles(rng, sink, counts["articles"], now)
    catalogue.write_questions(rng, sink, counts["questions"], now)
    rewards = catalogue.write_rewards(sink, now)
    timer.step("zones, articles, bank")

    first_user = (sink.scalar("SELECT MAX(id) FROM users") or 0) + 1
    crowd = people.build_people(rng, zones, counts, first_user, now)
    events = catalogue.write_events(rng, sink, crowd, today_start, {z.id: z for z in zones})
    slugs = [row[0] for row in sink.conn.execute("SELECT slug FROM categories ORDER BY id")]
    content = catalogue.Catalogue(readable, pushed, rewards, events)
    book = ledger.build_ledger(
        rng, crowd, content, counts["ledger"], counts["redemptions"], today, today_start, now
    )
    timer.step("generate people, ledger")

    written.update(
        people.write_people(rng, sink, crowd, ledger.balances(book, len(crowd.ids)), slugs)
    )
    timer.step("write users, enrollments")
    written["points_ledger"] = writes.write_ledger(sink, book, crowd, now, utc_offset)
    timer.step("write ledger")
    written["article_reads"] = writes.write_reads(sink, book)
    written["event_checkins"] = writes.write_checkins(sink, book)
    written["redemptions"] = writes.write_redemptions(sink, book, int(crowd.ids[0]), now)
    sink.reset_sequences(
        [
            "zones",
            "users",
            "user_roles",
            "promoter_applications",
            "enrollment_codes",
            "enrollments",
            "articles",
            "quiz_questions",
            "quiz_options",
            "rewards",
            "events",
            "points_ledger",
            "article_reads",
            "event_checkins",
            "redemptions",
        ]
    )
    sink.commit()
    sink.execute("ANALYZE")
    sink.commit()
    timer.step("write the rest, analyze")
    return written


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--timings", type=Path, help="write sizes and timings here (JSON)")
    args = parser.parse_args(argv)
    counts = sizes(args.scale)
    print(f"seeding {database_name(args.database_url)} at scale {args.scale}")
    timer = Timer()
    if args.reset:
        reset(args.database_url)
    flask(args.database_url, "db", "upgrade")
    flask(args.database_url, "content", "sync")
    timer.step("schema, content sync")
    sink = connect(args.database_url)
    written = load(sink, np.random.default_rng(args.seed), counts, timer)
    sink.conn.close()
    flask(args.database_url, "leaderboards", "rebuild")
    sink = connect(args.database_url)
    sink.execute("ANALYZE leaderboard_scores")  # as autovacuum would soon: plans not left to chance
    sink.commit()
    sink.conn.close()
    timer.step("leaderboards rebuild")
    flask(args.database_url, "stats", "rollup", "--missing")  # every seeded day, then hourly
    timer.step("statistics rollup")
    summary = {
        "seed": args.seed,
        "scale": args.scale,
        "sizes": counts,
        "written": written,
        "steps": timer.steps,
        "total_seconds": timer.total(),
    }
    print(f"  {'total':<22} {summary['total_seconds']:7.2f} s")
    if args.timings:
        args.timings.parent.mkdir(parents=True, exist_ok=True)
        args.timings.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
