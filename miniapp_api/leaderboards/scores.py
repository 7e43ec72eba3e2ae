"""Keeping the leaderboards in step with the ledger: the summary table, in the same
transaction as each award or membership change, and Redis after the commit.

The summary table (`leaderboard_scores`) is a read model of the points ledger. It
listens (`wiring.connect_domains`) to `signals.points_awarded` and
`signals.membership_changed`; with the Redis backend on, the same changes go to sorted
sets once the unit of work has committed (`ZADD GT`, so late or repeated writes never
lower a score). `rebuild` recomputes everything from the ledger.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import current_app
from sqlalchemy import delete, func, literal, select, union_all

from miniapp_api.leaderboards import redis_state
from miniapp_api.leaderboards.backends import RedisBackend, SqlBackend
from miniapp_api.leaderboards.models import CITY, LeaderboardScore, sort_key, sql_sort_key
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.storage import after_commit, db, insert, transaction_state, use_case
from miniapp_api.timeutil import PERIODS, local_today, period_key, period_start
from miniapp_api.users.models import ACTIVE, User, UserRole
from miniapp_api.zones import service as zones

# Board name -> the role its members hold.
BOARDS = {"volunteers": "volunteer", "promoters": "promoter"}
ZONE_BOARD = "volunteers"  # zones are ranked by their volunteers' points
PENDING_KEY = "leaderboard_changes"
COLUMNS = ["board", "period", "zone_id", "user_id", "score", "reached_seq", "sort_key"]


def redis_backend() -> RedisBackend | None:
    return RedisBackend.for_app(current_app)


def _queue(changes: list[tuple]) -> None:
    """Send `changes` to Redis once the current unit of work has committed."""
    backend = redis_backend()
    if not changes or backend is None:
        return
    state = transaction_state()
    pending = state.get(PENDING_KEY)
    if pending is None:
        pending = state[PENDING_KEY] = []
        after_commit(partial(_apply, backend, pending))
    pending.extend(changes)


def _apply(backend: RedisBackend, changes: list[tuple]) -> None:
    if not backend.apply(changes):
        redis_state.mark_lost()


def _boards_of(user_id: int) -> list[str]:
    held = set(
        db.session.scalars(
            select(UserRole.role)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.user_id == user_id, User.status == ACTIVE)
        )
    )
    return [board for board, role in BOARDS.items() if role in held]


def on_points_awarded(_app, *, entry: PointsEntry) -> None:
    """Add an earning ledger row to every board its user is on."""
    boards = _boards_of(entry.user_id)
    if not boards:
        return
    lineage = zones.lineage(entry.zone_id) if entry.zone_id else []
    boards_zones = [CITY, *lineage]
    periods = [period_key(period, entry.local_date) for period in PERIODS]
    rows = [
        {
            "board": board,
            "period": period,
            "zone_id": zone,
            "user_id": entry.user_id,
            "score": entry.delta,
            "reached_seq": entry.id,
            "sort_key": sort_key(entry.delta, entry.id),
        }
        for board in boards
        for period in periods
        for zone in boards_zones
    ]
    table = LeaderboardScore.__table__
    stmt = insert(LeaderboardScore).values(rows)
    new_score = table.c.score + stmt.excluded.score
    stmt = stmt.on_conflict_do_update(
        index_elements=["board", "period", "zone_id", "user_id"],
        set_={
            "score": new_score,
            "reached_seq": stmt.excluded.reached_seq,
            "sort_key": sql_sort_key(new_score, stmt.excluded.reached_seq),
        },
    ).returning(table.c.board, table.c.period, table.c.zone_id, table.c.sort_key)
    written = db.session.execute(stmt).all()
    changes = [("add", b, p, z, entry.user_id, key) for b, p, z, key in written]
    if ZONE_BOARD in boards:
        changes += [("zone", p, z, entry.delta, entry.id) for p in periods for z in lineage]
    _queue(changes)


def _credited(by_zone: bool):
    """Earning ledger rows with the board zone they count for: CITY for each, or (by
    zone) the row's own zone and every zone above it, a row for each."""
    rows = (PointsEntry.id, PointsEntry.user_id, PointsEntry.delta, PointsEntry.local_date)
    earning = PointsEntry.reason.in_(EARNING_REASONS)
    if not by_zone:
        return select(*rows, literal(CITY).label("zone_id")).where(earning).subquery()
    above = zones.ancestry()
    own = select(*rows, PointsEntry.zone_id.label("zone_id")).where(
        earning, PointsEntry.zone_id.is_not(None)
    )
    higher = (
        select(*rows, above.c.ancestor_id.label("zone_id"))
        .join(above, above.c.zone_id == PointsEntry.zone_id)
        .where(earning)
    )
    return union_all(own, higher).subquery()


def _aggregate(board: str, period: str, day: date, *, by_zone: bool, user_id: int | None):
    """SELECT of summary rows for `board` computed from the ledger: a zone's rows count
    the points earned in it and in every zone below it."""
    credited = _credited(by_zone)
    score = func.sum(credited.c.delta)
    seq = func.max(credited.c.id)
    members = (
        select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == BOARDS[board], User.status == ACTIVE)
    )
    query = select(
        literal(board),
        literal(period_key(period, day)),
        credited.c.zone_id,
        credited.c.user_id,
        score,
        seq,
        sql_sort_key(score, seq),
    ).where(credited.c.user_id.in_(members))
    start = period_start(period, day)
    if start is not None:
        query = query.where(credited.c.local_date >= start)
    if user_id is not None:
        query = query.where(credited.c.user_id == user_id)
    return query.group_by(credited.c.user_id, credited.c.zone_id)


def _fill(day: date, user_id: int | None = None) -> None:
    for board in BOARDS:
        for period in PERIODS:
            for by_zone in (False, True):
                query = _aggregate(board, period, day, by_zone=by_zone, user_id=user_id)
                db.session.execute(LeaderboardScore.__table__.insert().from_select(COLUMNS, query))


def _current_rows(day: date, user_id: int | None = None) -> list[LeaderboardScore]:
    keys = [period_key(period, day) for period in PERIODS]
    query = select(LeaderboardScore).where(LeaderboardScore.period.in_(keys))
    if user_id is not None:
        query = query.where(LeaderboardScore.user_id == user_id)
    return list(db.session.scalars(query))


def on_membership_changed(_app, *, user: User) -> None:
    """Recompute a user's rows after their roles or status changed."""
    db.session.flush()
    day = local_today()
    old = _current_rows(day, user.id)
    db.session.execute(delete(LeaderboardScore).where(LeaderboardScore.user_id == user.id))
    _fill(day, user.id)
    new = _current_rows(day, user.id)
    changes: list[tuple] = [("rem", r.board, r.period, r.zone_id, r.user_id) for r in old]
    changes += [("set", r.board, r.period, r.zone_id, r.user_id, r.sort_key) for r in new]
    touched = {(r.period, r.zone_id) for r in old + new if r.board == ZONE_BOARD and r.zone_id}
    for period, zone in sorted(touched):
        total = SqlBackend().zone_total(period, zone)
        changes.append(("zone_set", period, zone, total.score, total.reached_seq))
    _queue(changes)


@use_case
def _refill(day: date) -> dict[str, int]:
    db.session.execute(delete(LeaderboardScore))
    _fill(day)
    return {
        key: db.session.scalar(
            select(func.count()).where(LeaderboardScore.period == period_key(key, day))
        )
        for key in PERIODS
    }


def rebuild() -> dict[str, int]:
    """Recompute the summary table from the ledger (one unit of work), then load Redis
    from it and mark Redis ready."""
    day = local_today()
    counts = _refill(day)
    backend = redis_backend()
    if backend is not None:
        _load(backend, day)
    return counts


def on_zone_tree_changed(_app) -> None:
    """A zone moved under another parent, so the zones above its points changed: every
    row is recomputed from the ledger in the same unit of work, and Redis is reloaded
    from them once it has committed."""
    day = local_today()
    _refill(day)
    backend = redis_backend()
    if backend is not None:
        after_commit(partial(_load, backend, day))


def _load(backend: RedisBackend, day: date) -> None:
    """Replace Redis's boards with the summary table's current rows and mark it ready."""
    keys = [period_key(period, day) for period in PERIODS]
    rows = db.session.execute(
        select(
            LeaderboardScore.board,
            LeaderboardScore.period,
            LeaderboardScore.zone_id,
            LeaderboardScore.user_id,
            LeaderboardScore.sort_key,
        ).where(LeaderboardScore.period.in_(keys))
    ).all()
    backend.load(rows, {key: SqlBackend().zones(key) for key in keys})
    redis_state.clear_lost()


def verify() -> list[tuple]:
    """Summary rows of the current periods that differ from the ledger: (board, period,
    zone, user, stored score, ledger score); a missing row counts as 0."""
    day = local_today()
    expected: dict[tuple, int] = {}
    for board in BOARDS:
        for period in PERIODS:
            for by_zone in (False, True):
                query = _aggregate(board, period, day, by_zone=by_zone, user_id=None)
                for row in db.session.execute(query):
                    expected[tuple(row[:4])] = row[4]
    stored = {(r.board, r.period, r.zone_id, r.user_id): r.score for r in _current_rows(day)}
    return sorted(
        (*key, stored.get(key, 0), expected.get(key, 0))
        for key in set(stored) | set(expected)
        if stored.get(key, 0) != expected.get(key, 0)
    )
