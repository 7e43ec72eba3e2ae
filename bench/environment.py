"""What the report says about the machine, the versions and the data."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from bench.loadgen import wrk_version

ROOT = Path(__file__).resolve().parent.parent
TABLES = (
    "zones",
    "users",
    "user_roles",
    "enrollments",
    "enrollment_codes",
    "articles",
    "article_reads",
    "quiz_questions",
    "quiz_sessions",
    "points_ledger",
    "redemptions",
    "rewards",
    "events",
    "event_checkins",
    "leaderboard_scores",
)


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions(database_url: str, redis_url: str | None) -> dict:
    found = {
        name: metadata.version(name)
        for name in ("Flask", "SQLAlchemy", "gunicorn", "Flask-JWT-Extended", "psycopg", "redis")
    }
    found["wrk"] = wrk_version()
    engine = create_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found["database"] = conn.execute(text("SHOW server_version")).scalar_one()
        else:
            found["database"] = f"SQLite {sqlite3.sqlite_version}"
    engine.dispose()
    if redis_url:
        found["redis_server"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    found["app_commit"] = commit
    return found


def data_sizes(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        sizes = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}
    engine.dispose()
    return sizes
