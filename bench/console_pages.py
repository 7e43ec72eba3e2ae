"""How long each police console page takes on the benchmark data set (issue 12: under
300 ms each). Not part of `make bench`'s load runs: one officer, one page at a time, in
process (no HTTP server), signed in as the seed's admin by the console's session cookie.

    python -m bench.console_pages --database-url postgresql+psycopg://postgres@127.0.0.1/miniapp_bench

Run it after `make bench` (or `python -m bench.seed …`) has filled that database. Each
page is fetched once to warm up, then `--rounds` times; prints the median and the slowest
in milliseconds per page as JSON, and exits 1 when a median passes `--budget-ms`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import sqlalchemy as sa

from miniapp_api import create_app
from miniapp_api.config import load_config

PAGES = (
    "/console/",
    "/console/promoters",
    "/console/zones",
    "/console/users",
    "/console/users?q=志愿者1",
    "/console/articles",
    "/console/alerts",
    "/console/quizzes",
    "/console/quizzes/stats",
    "/console/rewards",
    "/console/rewards/desk",
    "/console/events",
    "/console/audit",
    "/console/dashboard",
)


def _session_cookie(app, officer_id: int) -> str:
    from miniapp_api.console.auth import OFFICER_KEY, SIGNED_IN_KEY
    from miniapp_api.timeutil import utcnow

    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        return serializer.dumps(
            {"_permanent": True, OFFICER_KEY: officer_id, SIGNED_IN_KEY: utcnow().timestamp()}
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget-ms", type=float, default=300.0)
    args = parser.parse_args(argv)
    if "bench" not in sa.make_url(args.database_url).database:
        parser.error("the database's name must contain 'bench'")
    config = load_config()
    config.SQLALCHEMY_DATABASE_URI = args.database_url
    config.REDIS_URL = None
    app = create_app(config)
    with app.app_context():
        from miniapp_api.storage import db

        admin_id = db.session.execute(
            sa.text(
                "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
                "WHERE r.role = 'admin' AND u.status = 'active' ORDER BY u.id LIMIT 1"
            )
        ).scalar_one()
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], _session_cookie(app, admin_id))
    results, slow = {}, []
    for path in PAGES:
        assert client.get(path).status_code == 200, path
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            status = client.get(path).status_code
            times.append((time.perf_counter() - started) * 1000)
            assert status == 200, (path, status)
        median = statistics.median(times)
        results[path] = {"median_ms": round(median, 1), "max_ms": round(max(times), 1)}
        if median > args.budget_ms:
            slow.append(path)
    print(json.dumps({"pages": results, "over_budget": slow}, ensure_ascii=False, indent=1))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
