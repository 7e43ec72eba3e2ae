"""The leaderboards' own cost at Cixi scale, without HTTP: seed a PostgreSQL database
with 130,000 volunteers and 2,000 promoters straight into the summary table (skewed
scores, three periods, city and two zone levels), then time the service's reads.

    python -m bench.boards --database-url postgresql+psycopg://postgres@127.0.0.1/db --seed
    python -m bench.boards --database-url ... [--dead]   # time (after dead tuples)
    python -m bench.boards --database-url ... --compare  # old and new SQL, interleaved

The database must be migrated first (`flask db upgrade`). `--dead` first rewrites every
summary row of the volunteers' all-time board twice (dead tuples, no vacuum).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sqlalchemy import text

PROMOTERS, VOLUNTEERS, TOWNS, COMMUNITIES = 2_000, 130_000, 20, 280

SEED_SQL = """
INSERT INTO zones (id, slug, name, district, kind, parent_id, active, shape, vertex_count,
                   created_at, updated_at)
SELECT g, 'z' || g, '镇' || g, '慈溪市', 'town', NULL, true, '{}', 0, now(), now()
FROM generate_series(1, :towns) g;
INSERT INTO zones (id, slug, name, district, kind, parent_id, active, shape, vertex_count,
                   created_at, updated_at)
SELECT g, 'z' || g, '社区' || g, '慈溪市', 'community', 1 + g % :towns, true, '{}', 0, now(), now()
FROM generate_series(:towns + 1, :towns + :communities) g;
INSERT INTO users (id, openid, nickname, subscribed_categories, points_balance, status,
                   created_at, updated_at)
SELECT g, 'o' || g, '用户' || g, '[]', 0, 'active', now(), now()
FROM generate_series(1, :promoters + :volunteers) g;
INSERT INTO user_roles (user_id, role, granted_at)
SELECT g, CASE WHEN g <= :promoters THEN 'promoter' ELSE 'volunteer' END, now()
FROM generate_series(1, :promoters + :volunteers) g;
INSERT INTO enrollments (volunteer_id, promoter_id, zone_id, decision, distance_to_edge_m,
                         accuracy_m, created_at)
SELECT g, 1 + floor(:promoters * random() ^ 2)::int, :towns + 1 + g % :communities,
       'inside', 10, 10, now()
FROM generate_series(:promoters + 1, :promoters + :volunteers) g;
CREATE TEMP TABLE members AS
SELECT u.id AS user_id,
       CASE WHEN u.id <= :promoters THEN 'promoters' ELSE 'volunteers' END AS board,
       :towns + 1 + u.id % :communities AS community,
       1 + (u.id % :communities) % :towns AS town
FROM users u;
INSERT INTO leaderboard_scores (board, period, zone_id, user_id, score, reached_seq, sort_key)
SELECT m.board, p.key, z.zone_id, m.user_id, s.score, s.seq,
       s.score::bigint * 2147483648 + 2147483647 - s.seq
FROM members m
CROSS JOIN (VALUES ('all', 1.0), (:week, 0.15), (:month, 0.4)) AS p(key, share)
CROSS JOIN LATERAL (VALUES (0), (m.community), (m.town)) AS z(zone_id)
CROSS JOIN LATERAL (
    SELECT 1 + floor(exp(random() * 9) * p.share)::int AS score,
           (m.user_id * 15 + floor(random() * 15))::bigint AS seq
) s;
"""


def seed(engine, week: str, month: str) -> None:
    params = {
        "towns": TOWNS,
        "communities": COMMUNITIES,
        "promoters": PROMOTERS,
        "volunteers": VOLUNTEERS,
        "week": week,
        "month": month,
    }
    with engine.begin() as conn:
        for statement in SEED_SQL.split(";"):
            if statement.strip():
                conn.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def kill_visibility(engine) -> None:
    """Two rewrites of the volunteers' all-time rows: dead tuples, no vacuum."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for _ in range(2):
            conn.execute(
                text(
                    "UPDATE leaderboard_scores SET score = score WHERE board = 'volunteers' "
                    "AND period = 'all'"
                )
            )


def _timed(call, repeats: int) -> tuple[float, float]:
    for _ in range(5):
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return round(statistics.median(samples), 2), round(p99, 2)


def measure(app, repeats: int) -> None:
    from miniapp_api.leaderboards import service
    from miniapp_api.storage import db

    with app.app_context():
        ranked = db.session.execute(
            text(
                "SELECT user_id FROM leaderboard_scores WHERE board = 'volunteers' AND "
                "period = 'all' AND zone_id = 0 ORDER BY sort_key DESC"
            )
        ).scalars()
        ranked = list(ranked)
        db.session.rollback()
        who = {"1": ranked[0], "middle": ranked[len(ranked) // 2], "last": ranked[-1]}
        cases = {
            f"volunteers all top-100 + me, rank {label}": (
                lambda uid=uid: service.leaderboard(
                    "volunteers", "all", zone_id=None, limit=100, around=0, user_id=uid
                )
            )
            for label, uid in who.items()
        }
        cases["volunteers all around=50, last"] = lambda: service.leaderboard(
            "volunteers", "all", zone_id=None, limit=100, around=50, user_id=who["last"]
        )
        cases["promoters all top-100 + me"] = lambda: service.leaderboard(
            "promoters", "all", zone_id=None, limit=100, around=0, user_id=1
        )
        cases["zones week"] = lambda: service.zone_board("week", 100)
        for name, call in cases.items():

            def run(call=call):
                call()
                db.session.rollback()

            p50, p99 = _timed(run, repeats)
            print(f"{name:45} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms")


OLD_AND_NEW = {
    "rank of the last member": (
        "SELECT count(*) FROM leaderboard_scores WHERE board = 'volunteers' AND period = 'all' "
        "AND zone_id = 0 AND sort_key >= (:score + 1) * 2147483648",
        "SELECT (SELECT coalesce(sum(members), 0) FROM leaderboard_score_counts "
        "WHERE board = 'volunteers' AND period = 'all' AND zone_id = 0 AND score > :score "
        "AND score < ((:score >> 7) + 1) << 7) + (SELECT coalesce(sum(members), 0) "
        "FROM leaderboard_score_buckets WHERE board = 'volunteers' AND period = 'all' "
        "AND zone_id = 0 AND bucket > :score >> 7)",
    ),
    "promoters' volunteers, top 100": (
        "SELECT e.promoter_id, count(*) FROM enrollments e JOIN users u ON u.id = e.volunteer_id "
        "WHERE e.promoter_id = ANY(:ids) AND u.status = 'active' GROUP BY e.promoter_id",
        "SELECT promoter_id, volunteers FROM leaderboard_promoter_tallies "
        "WHERE promoter_id = ANY(:ids)",
    ),
    "zones board, week": (
        "SELECT zone_id, sum(score), max(reached_seq) FROM leaderboard_scores "
        "WHERE board = 'volunteers' AND period = :week AND zone_id != 0 GROUP BY zone_id",
        "SELECT zone_id, score, reached_seq FROM leaderboard_zone_totals "
        "WHERE period = :week AND score > 0",
    ),
}


def compare(engine, week: str, rounds: int) -> None:
    """The old statement and the new one of each path, interleaved (the machine is shared
    and drifts): medians and p99 of each, in ms."""
    with engine.connect() as conn:
        score = conn.execute(
            text(
                "SELECT min(score) FROM leaderboard_scores WHERE board = 'volunteers' "
                "AND period = 'all' AND zone_id = 0"
            )
        ).scalar_one()
        ids = list(
            conn.execute(
                text(
                    "SELECT user_id FROM leaderboard_scores WHERE board = 'promoters' "
                    "AND period = 'all' AND zone_id = 0 ORDER BY sort_key DESC LIMIT 100"
                )
            ).scalars()
        )
        params = {"score": score, "ids": ids, "week": week}
        for name, statements in OLD_AND_NEW.items():
            samples: dict[str, list[float]] = {"old": [], "new": []}
            for _ in range(rounds):
                for label, sql in zip(("old", "new"), statements, strict=True):
                    start = time.perf_counter()
                    conn.execute(text(sql), params).all()
                    samples[label].append((time.perf_counter() - start) * 1000)
            line = [f"{name:32}"]
            for label, values in samples.items():
                values.sort()
                p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
                line.append(f"{label} p50 {statistics.median(values):7.2f} p99 {p99:7.2f}")
            print("   ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", action="store_true", help="load the data (once)")
    parser.add_argument("--dead", action="store_true", help="rewrite rows first, no vacuum")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--compare", action="store_true", help="old and new SQL, interleaved")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ["LEADERBOARD_BACKEND"] = "sql"
    from miniapp_api import create_app
    from miniapp_api.leaderboards import tallies
    from miniapp_api.storage import db, unit_of_work
    from miniapp_api.timeutil import local_today, period_key

    app = create_app()
    with app.app_context():
        if args.seed:
            today = local_today()
            seed(db.engine, period_key("week", today), period_key("month", today))
            with unit_of_work():  # the tallies from the seeded summary rows
                tallies.refill()
        if args.dead:
            kill_visibility(db.engine)
        if args.compare:
            compare(db.engine, period_key("week", local_today()), args.repeats)
            return
    measure(app, args.repeats)


if __name__ == "__main__":
    main()
