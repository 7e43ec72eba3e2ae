"""Leaderboards: volunteers and promoters by points earned in a period, and zones.

Reads use the Redis backend when it is on and built, else the summary table; a Redis
failure mid-read falls back to SQL. Keeping the scores in step is `scores.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from miniapp_api.leaderboards import redis_state
from miniapp_api.leaderboards.backends import Backend, Board, SqlBackend
from miniapp_api.leaderboards.models import CITY, SEQ_SPAN, lowest_key_above
from miniapp_api.leaderboards.scores import BOARDS, rebuild, redis_backend, verify
from miniapp_api.moderation import service as moderation
from miniapp_api.moderation.models import NICKNAME
from miniapp_api.moderation.service import PLACEHOLDER_NICKNAME
from miniapp_api.storage import db
from miniapp_api.timeutil import local_today, period_key
from miniapp_api.users.models import User, UserRole
from miniapp_api.zones import service as zones

__all__ = [
    "BoardView",
    "Member",
    "ZoneBoardView",
    "leaderboard",
    "rebuild",
    "verify",
    "zone_board",
]

log = logging.getLogger(__name__)


def backend() -> Backend:
    """The configured backend, or SQL when Redis is off, not built or failing."""
    redis = redis_backend()
    if redis is not None and redis.ready() and not redis_state.lost():
        return redis
    return SqlBackend()


@dataclass(frozen=True)
class Ranked:
    rank: int
    member_id: int
    score: int


@dataclass(frozen=True)
class Member:
    """One line of a board, as the schemas dump it."""

    rank: int
    user_id: int
    score: int
    nickname: str | None
    avatar_url: str | None
    volunteer_count: int | None = None


@dataclass(frozen=True)
class MyRank:
    rank: int
    score: int


@dataclass(frozen=True)
class BoardView:
    period: str
    zone_id: int | None
    items: list[Member]
    me: MyRank | None
    around: list[Member] | None


@dataclass(frozen=True)
class ZoneRank:
    rank: int
    zone_id: int
    name: str | None
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


def _roles_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def _read(store: Backend, board, user_id: int | None, limit: int, around: int):
    top = _with_ranks(store, board, store.top(board, limit), 1)
    me = neighbours = None
    if user_id is not None and BOARDS[board.name] in _roles_of(user_id):
        key = store.key_of(board, user_id)
        score = 0 if key is None else key // SEQ_SPAN
        me = MyRank(store.count_at_least(board, lowest_key_above(score)) + 1, score)
        if around:
            entries, first_position = store.window(board, key, around)
            neighbours = _with_ranks(store, board, entries, first_position)
    return top, me, neighbours


def _lines(ranked: list[Ranked], *, with_counts: bool) -> list[Member]:
    """The board lines of `ranked`, with nicknames (and promoters' volunteer counts)."""
    ids = {r.member_id for r in ranked}
    if not ids:
        return []
    rows = db.session.execute(
        select(User.id, User.nickname, User.avatar_url).where(User.id.in_(ids))
    ).all()
    people = {row.id: row for row in rows}
    held = moderation.held_among(NICKNAME, list(ids))  # shown as the placeholder meanwhile
    counts = zones.volunteer_counts(list(ids)) if with_counts else {}
    return [
        Member(
            r.rank,
            r.member_id,
            r.score,
            PLACEHOLDER_NICKNAME
            if r.member_id in held
            else getattr(people.get(r.member_id), "nickname", None),
            getattr(people.get(r.member_id), "avatar_url", None),
            counts.get(r.member_id, 0) if with_counts else None,
        )
        for r in ranked
    ]


def leaderboard(
    name: str,
    period: str,
    *,
    zone_id: int | None,
    limit: int,
    around: int,
    user_id: int | None,
) -> BoardView:
    """A board, city-wide or of one zone (its points and its sub-zones'); an unknown zone
    is NOT_FOUND."""
    if zone_id is not None:
        zones.get_zone(zone_id)
    board = Board(name, period_key(period, local_today()), zone_id or CITY)
    store = backend()
    try:
        top, me, neighbours = _read(store, board, user_id, limit, around)
    except store.errors as exc:  # Redis failed mid-read: the database answers
        log.warning("leaderboard read from Redis failed, using SQL: %s", exc)
        top, me, neighbours = _read(SqlBackend(), board, user_id, limit, around)
    with_counts = name == "promoters"
    lines = _lines(top + (neighbours or []), with_counts=with_counts)
    items, nearby = lines[: len(top)], lines[len(top) :]
    return BoardView(period, zone_id, items, me, nearby if around else None)


@dataclass(frozen=True)
class ZoneBoardView:
    period: str
    items: list[ZoneRank]


def zone_board(period: str, limit: int) -> ZoneBoardView:
    """Zones by their volunteers' points in the period, each with its sub-zones' points."""
    key = period_key(period, local_today())
    store = backend()
    try:
        totals = store.zones(key)
    except store.errors as exc:
        log.warning("zone leaderboard read from Redis failed, using SQL: %s", exc)
        totals = SqlBackend().zones(key)
    shown = totals[:limit]
    names = zones.zone_names([z.zone_id for z in shown])
    items: list[ZoneRank] = []
    for position, zone in enumerate(shown, start=1):
        tied = items and items[-1].score == zone.score
        rank = items[-1].rank if tied else position
        items.append(ZoneRank(rank, zone.zone_id, names.get(zone.zone_id), zone.score))
    return ZoneBoardView(period, items)
