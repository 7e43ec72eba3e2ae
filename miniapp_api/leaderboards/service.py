"""Leaderboards: volunteers and promoters by points earned in a period, and zones.

The summary table (`leaderboard_scores`) is always kept in step with the ledger, in
the same transaction as the award. When the Redis backend is on, the same changes
go to sorted sets after the commit (`ZADD GT`, so late or repeated writes never
lower a score), and reads fall back to SQL whenever Redis cannot answer or has not
been built (`flask leaderboards rebuild` marks it ready).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, event, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from miniapp_api.extensions import db
from miniapp_api.leaderboards.backends import Backend, Board, RedisBackend, SqlBackend
from miniapp_api.leaderboards.models import (
    CITY,
    SEQ_SPAN,
    LeaderboardScore,
    lowest_key_above,
    sort_key,
    sql_sort_key,
)
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.timeutil import local_today as today  # a module name tests can patch
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE, User, UserRole

log = logging.getLogger(__name__)

# Board name -> the role its members hold.
BOARDS = {"volunteers": "volunteer", "promoters": "promoter"}
ZONE_BOARD = "volunteers"  # zones are ranked by their volunteers' points
PERIODS = ("week", "month", "all")
PENDING_KEY = "leaderboard_pending"

# Filled in by the zones domain: zone id -> display name.
_zone_names = None
# Filled in by enrollment: promoter ids -> how many volunteers each enrolled.
_volunteer_counts = None


def register_zone_names(provider) -> None:
    global _zone_names
    _zone_names = provider


def register_volunteer_counts(provider) -> None:
    global _volunteer_counts
    _volunteer_counts = provider


def init_app(app: Flask) -> None:
    users.register_membership_hook(sync_user)


@event.listens_for(db.session, "after_commit")
def _apply_pending(session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        _redis_backend().apply(pending)


@event.listens_for(db.session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop(PENDING_KEY, None)


# ---- periods -------------------------------------------------------------


def period_start(period: str, day: date) -> date | None:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return None


def period_key(period: str, day: date) -> str:
    start = period_start(period, day)
    if period == "week":
        return f"w{start.isoformat()}"
    if period == "month":
        return f"m{start:%Y-%m}"
    return "all"


# ---- writes (in the caller's transaction) --------------------------------


def _boards_of(user_id: int) -> list[str]:
    roles = db.session.scalars(
        select(UserRole.role)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.user_id == user_id, User.status == ACTIVE)
    )
    held = set(roles)
    return [board for board, role in BOARDS.items() if role in held]


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(LeaderboardScore)


def _queue(changes: list[tuple]) -> None:
    if changes and _redis_backend() is not None:
        db.session.info.setdefault(PENDING_KEY, []).extend(changes)


def record(entry: PointsEntry) -> None:
    """Add an earning ledger row to every board its user is on."""
    boards = _boards_of(entry.user_id)
    if not boards:
        return
    zones = [CITY] + ([entry.zone_id] if entry.zone_id else [])
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
        for zone in zones
    ]
    table = LeaderboardScore.__table__
    stmt = _insert().values(rows)
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
    if entry.zone_id and ZONE_BOARD in boards:
        changes += [("zone", p, entry.zone_id, entry.delta, entry.id) for p in periods]
    _queue(changes)


def _aggregate(board: str, period: str, day: date, *, by_zone: bool, user_id: int | None):
    """SELECT of summary rows for `board` computed from the ledger."""
    score = func.sum(PointsEntry.delta)
    seq = func.max(PointsEntry.id)
    zone = PointsEntry.zone_id if by_zone else literal(CITY)
    members = (
        select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == BOARDS[board], User.status == ACTIVE)
    )
    query = select(
        literal(board),
        literal(period_key(period, day)),
        zone,
        PointsEntry.user_id,
        score,
        seq,
        sql_sort_key(score, seq),
    ).where(PointsEntry.reason.in_(EARNING_REASONS), PointsEntry.user_id.in_(members))
    start = period_start(period, day)
    if start is not None:
        query = query.where(PointsEntry.local_date >= start)
    if user_id is not None:
        query = query.where(PointsEntry.user_id == user_id)
    if by_zone:
        query = query.where(PointsEntry.zone_id.is_not(None))
        return query.group_by(PointsEntry.user_id, PointsEntry.zone_id)
    return query.group_by(PointsEntry.user_id)


def _fill(day: date, user_id: int | None = None) -> None:
    columns = ["board", "period", "zone_id", "user_id", "score", "reached_seq", "sort_key"]
    for board in BOARDS:
        for period in PERIODS:
            for by_zone in (False, True):
                query = _aggregate(board, period, day, by_zone=by_zone, user_id=user_id)
                db.session.execute(LeaderboardScore.__table__.insert().from_select(columns, query))


def _current_rows(day: date, user_id: int | None = None) -> list[LeaderboardScore]:
    keys = [period_key(period, day) for period in PERIODS]
    query = select(LeaderboardScore).where(LeaderboardScore.period.in_(keys))
    if user_id is not None:
        query = query.where(LeaderboardScore.user_id == user_id)
    return list(db.session.scalars(query))


def sync_user(user: User) -> None:
    """Recompute a user's rows after their roles or status changed (hook for users)."""
    db.session.flush()
    day = today()
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


# ---- rebuild ---------------------------------------------------------------


def rebuild() -> dict:
    """Recompute the summary table from the ledger, then Redis from it; commits."""
    day = today()
    db.session.execute(delete(LeaderboardScore))
    _fill(day)
    db.session.commit()
    counts = {
        key: db.session.scalar(
            select(func.count()).where(LeaderboardScore.period == period_key(key, day))
        )
        for key in PERIODS
    }
    redis_backend = _redis_backend()
    if redis_backend is not None:
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
        zones = {key: SqlBackend().zones(key) for key in keys}
        redis_backend.load(rows, zones)
    return counts


# ---- reads -----------------------------------------------------------------


def _redis_backend() -> RedisBackend | None:
    return RedisBackend.for_app(current_app)


def backend() -> Backend:
    """The configured backend, or SQL when Redis is off, not built or failing."""
    redis_backend = _redis_backend()
    if redis_backend is not None and redis_backend.ready():
        return redis_backend
    return SqlBackend()


@dataclass(frozen=True)
class Ranked:
    rank: int
    member_id: int
    score: int


def _with_ranks(store: Backend, board, entries: list[tuple[int, int]], first_position: int):
    """Ranks for a run of consecutive (member, sort_key) entries: ties share a rank."""
    ranked: list[Ranked] = []
    for offset, (member, key) in enumerate(entries):
        score = key // SEQ_SPAN
        if ranked and ranked[-1].score == score:
            rank = ranked[-1].rank
        elif not ranked:
            rank = store.count_at_least(board, lowest_key_above(score)) + 1
        else:
            rank = first_position + offset
        ranked.append(Ranked(rank, member, score))
    return ranked


def _read(store: Backend, board, user_id: int | None, limit: int, around: int):
    top = _with_ranks(store, board, store.top(board, limit), 1)
    me = neighbours = None
    if user_id is not None and BOARDS[board.name] in _roles_of(user_id):
        key = store.key_of(board, user_id)
        score = 0 if key is None else key // SEQ_SPAN
        me = {"rank": store.count_at_least(board, lowest_key_above(score)) + 1, "score": score}
        if around:
            entries, first_position = store.window(board, key, around)
            neighbours = _with_ranks(store, board, entries, first_position)
    return top, me, neighbours


def _roles_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def leaderboard(
    name: str,
    period: str,
    *,
    zone_id: int | None,
    limit: int,
    around: int,
    user_id: int | None,
) -> dict:
    board = Board(name, period_key(period, today()), zone_id or CITY)
    store = backend()
    try:
        top, me, neighbours = _read(store, board, user_id, limit, around)
    except store.errors as exc:  # Redis failed mid-read: the database answers
        log.warning("leaderboard read from Redis failed, using SQL: %s", exc)
        top, me, neighbours = _read(SqlBackend(), board, user_id, limit, around)
    people = _people(
        [r.member_id for r in top + (neighbours or [])], with_counts=name == "promoters"
    )
    result = {
        "period": period,
        "zone_id": zone_id,
        "items": [_item(r, people) for r in top],
        "me": me,
    }
    if around:
        result["around"] = [_item(r, people) for r in neighbours or []]
    return result


def _people(user_ids: list[int], *, with_counts: bool) -> dict[int, dict]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.nickname, User.avatar_url).where(User.id.in_(set(user_ids)))
    ).all()
    people = {row.id: {"nickname": row.nickname, "avatar_url": row.avatar_url} for row in rows}
    if with_counts:
        counts = _volunteer_counts(list(people)) if _volunteer_counts else {}
        for user_id, person in people.items():
            person["volunteer_count"] = counts.get(user_id, 0)
    return people


def _item(ranked: Ranked, people: dict[int, dict]) -> dict:
    return {
        "rank": ranked.rank,
        "user_id": ranked.member_id,
        "score": ranked.score,
        **people.get(ranked.member_id, {}),
    }


def zone_board(period: str, limit: int) -> dict:
    key = period_key(period, today())
    store = backend()
    try:
        zones = store.zones(key)
    except store.errors as exc:
        log.warning("zone leaderboard read from Redis failed, using SQL: %s", exc)
        zones = SqlBackend().zones(key)
    names = _zone_names([z.zone_id for z in zones[:limit]]) if _zone_names else {}
    items, previous = [], None
    for position, zone in enumerate(zones[:limit], start=1):
        rank = previous["rank"] if previous and previous["score"] == zone.score else position
        previous = {
            "rank": rank,
            "zone_id": zone.zone_id,
            "name": names.get(zone.zone_id),
            "score": zone.score,
        }
        items.append(previous)
    return {"period": period, "items": items}
