"""The two leaderboard backends behind one interface.

Both store, per board, each member's `sort_key` (models.sort_key): SQL in the
summary table, Redis in one sorted set per board. A rank is 1 + the members with a
higher score (ties share it): Redis counts them in its sorted set (ZCOUNT, O(log n)),
SQL sums the board's score counts above the score (`ranks`), never its rows.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from dataclasses import dataclass
from typing import Protocol

import redis
from flask import Flask
from sqlalchemy import select

from miniapp_api.leaderboards import ranks as score_counts
from miniapp_api.leaderboards import tallies
from miniapp_api.leaderboards.models import LeaderboardScore, lowest_key_above
from miniapp_api.redis_store import EXTENSION_KEY as REDIS_EXTENSION_KEY
from miniapp_api.storage import db

log = logging.getLogger(__name__)

WEEK_TTL = 16 * 24 * 3600  # a week's keys outlive the week they count
MONTH_TTL = 70 * 24 * 3600
LOAD_CHUNK = 5000


@dataclass(frozen=True)
class Board:
    name: str  # "volunteers" or "promoters"
    period: str  # a period key: "all", "w2026-11-16", "m2026-11"
    zone_id: int  # CITY (0) or a zone


@dataclass(frozen=True)
class ZoneScore:
    zone_id: int
    score: int
    reached_seq: int


def ordered_zones(zones: list[ZoneScore]) -> list[ZoneScore]:
    return sorted(
        (zone for zone in zones if zone.score > 0),
        key=lambda zone: (-zone.score, zone.reached_seq, zone.zone_id),
    )


class Backend(Protocol):
    errors: tuple[type[Exception], ...]

    def top(self, board: Board, limit: int) -> list[tuple[int, int]]: ...

    def key_of(self, board: Board, user_id: int) -> int | None: ...

    def ranks(self, board: Board, scores: list[int]) -> dict[int, int]: ...

    def window(self, board: Board, key: int | None, size: int) -> list[tuple[int, int]]: ...

    def zones(self, period: str) -> list[ZoneScore]: ...


class SqlBackend:
    """Index scans over `leaderboard_scores` (board, period, zone_id, sort_key)."""

    errors: tuple[type[Exception], ...] = ()

    @staticmethod
    def _rows(board: Board):
        return select(LeaderboardScore.user_id, LeaderboardScore.sort_key).where(
            LeaderboardScore.board == board.name,
            LeaderboardScore.period == board.period,
            LeaderboardScore.zone_id == board.zone_id,
        )

    def top(self, board, limit):
        query = self._rows(board).order_by(LeaderboardScore.sort_key.desc()).limit(limit)
        return [tuple(row) for row in db.session.execute(query)]

    def key_of(self, board, user_id):
        query = self._rows(board).where(LeaderboardScore.user_id == user_id)
        row = db.session.execute(query).first()
        return None if row is None else row.sort_key

    def ranks(self, board, scores):
        """The rank of each of `scores`: distinct, descending, and every score between
        the first and the last that members hold (a run of consecutive members')."""
        if not scores:
            return {}
        ranks = {scores[0]: score_counts.members_above(board, scores[0]) + 1}
        if len(scores) > 1:
            members = score_counts.members_at(board, scores[:-1])
            for higher, score in itertools.pairwise(scores):
                ranks[score] = ranks[higher] + members.get(higher, 0)
        return ranks

    def window(self, board, key, size):
        """Up to `size` members above and below `key` (the member itself included):
        two index range scans from the key."""
        pivot = -1 if key is None else key
        above = db.session.execute(
            self._rows(board)
            .where(LeaderboardScore.sort_key > pivot)
            .order_by(LeaderboardScore.sort_key)
            .limit(size)
        ).all()
        entries = [tuple(row) for row in reversed(above)]
        if key is not None:
            below = db.session.execute(
                self._rows(board)
                .where(LeaderboardScore.sort_key <= key)
                .order_by(LeaderboardScore.sort_key.desc())
                .limit(size + 1)
            ).all()
            entries += [tuple(row) for row in below]
        return entries

    def zones(self, period):
        return ordered_zones([ZoneScore(*row) for row in tallies.zone_totals(period)])


class RedisBackend:
    """One sorted set per board (member: user id, score: sort_key); zones in two sorted
    sets per period (points by ZINCRBY, the latest ledger row by ZADD GT)."""

    errors: tuple[type[Exception], ...] = (redis.RedisError,)

    def __init__(self, client: redis.Redis, prefix: str):
        self.client = client
        self.prefix = prefix

    @classmethod
    def for_app(cls, app: Flask) -> RedisBackend | None:
        if app.config["LEADERBOARD_BACKEND"] != "redis":
            return None
        client, prefix = app.extensions[REDIS_EXTENSION_KEY]
        return None if client is None else cls(client, prefix)

    # keys
    def _key(self, *parts: object) -> str:
        return self.prefix + "lb:" + ":".join(str(part) for part in parts)

    def _board_key(self, board: Board) -> str:
        return self._key(board.name, board.period, board.zone_id)

    @property
    def _ready_key(self) -> str:
        return self._key("ready")

    @staticmethod
    def _ttl(period: str) -> int | None:
        return {"w": WEEK_TTL, "m": MONTH_TTL}.get(period[0])

    def ready(self) -> bool:
        try:
            return bool(self.client.exists(self._ready_key))
        except redis.RedisError as exc:
            log.warning("Redis leaderboards unavailable, using SQL: %s", exc)
            return False

    # reads
    def top(self, board, limit):
        pairs = self.client.zrevrange(self._board_key(board), 0, limit - 1, withscores=True)
        return [(int(member), int(score)) for member, score in pairs]

    def key_of(self, board, user_id):
        score = self.client.zscore(self._board_key(board), user_id)
        return None if score is None else int(score)

    def ranks(self, board, scores):
        name = self._board_key(board)
        pipe = self.client.pipeline(transaction=False)
        for score in scores:
            pipe.zcount(name, lowest_key_above(score), "+inf")
        return {score: above + 1 for score, above in zip(scores, pipe.execute(), strict=True)}

    def window(self, board, key, size):
        name = self._board_key(board)
        if key is None:
            position = self.client.zcard(name)
            start, stop = max(0, position - size), position - 1
        else:
            position = self.client.zcount(name, f"({key}", "+inf")
            start, stop = max(0, position - size), position + size
        if stop < start:
            return []
        pairs = self.client.zrevrange(name, start, stop, withscores=True)
        return [(int(member), int(score)) for member, score in pairs]

    def zones(self, period):
        points = self.client.zrange(self._key("zonepts", period), 0, -1, withscores=True)
        seqs = dict(self.client.zrange(self._key("zoneseq", period), 0, -1, withscores=True))
        return ordered_zones(
            [ZoneScore(int(zone), int(score), int(seqs.get(zone, 0))) for zone, score in points]
        )

    # writes
    def apply(self, changes: list[tuple]) -> bool:
        """Apply committed changes; False when Redis did not take them (it is then also
        marked not ready, when it still answers that)."""
        try:
            pipe = self.client.pipeline(transaction=False)
            for change in changes:
                self._apply_one(pipe, *change)
            pipe.execute()
            return True
        except redis.RedisError as exc:
            log.error("leaderboard update lost in Redis, serving from SQL until rebuilt: %s", exc)
            with contextlib.suppress(redis.RedisError):
                self.client.delete(self._ready_key)
            return False

    def _apply_one(self, pipe, kind: str, *args) -> None:
        if kind in ("add", "set"):
            board, period, zone, user_id, key = args
            name = self._board_key(Board(board, period, zone))
            pipe.zadd(name, {user_id: key}, gt=kind == "add")
            self._expire(pipe, name, period)
        elif kind == "rem":
            board, period, zone, user_id = args
            pipe.zrem(self._board_key(Board(board, period, zone)), user_id)
        elif kind == "zone":
            period, zone, delta, seq = args
            pipe.zincrby(self._key("zonepts", period), delta, zone)
            pipe.zadd(self._key("zoneseq", period), {zone: seq}, gt=True)
            self._expire(pipe, self._key("zonepts", period), period)
            self._expire(pipe, self._key("zoneseq", period), period)
        elif kind == "zone_set":
            period, zone, score, seq = args
            if score > 0:
                pipe.zadd(self._key("zonepts", period), {zone: score})
                pipe.zadd(self._key("zoneseq", period), {zone: seq})
            else:
                pipe.zrem(self._key("zonepts", period), zone)
                pipe.zrem(self._key("zoneseq", period), zone)
        else:  # pragma: no cover - a programming error
            raise ValueError(kind)

    def _expire(self, pipe, name: str, period: str) -> None:
        ttl = self._ttl(period)
        if ttl:
            pipe.expire(name, ttl)

    def load(self, rows, zones: dict[str, list[ZoneScore]]) -> None:
        """Replace every leaderboard key with the given summary rows and zone totals."""
        self.client.delete(self._ready_key)
        stale = list(self.client.scan_iter(match=self._key("*"), count=1000))
        for start in range(0, len(stale), LOAD_CHUNK):
            self.client.delete(*stale[start : start + LOAD_CHUNK])
        pipe = self.client.pipeline(transaction=False)
        for count, (board, period, zone, user_id, key) in enumerate(rows, start=1):
            self._apply_one(pipe, "set", board, period, zone, user_id, key)
            if count % LOAD_CHUNK == 0:
                pipe.execute()
        for period, totals in zones.items():
            for zone in totals:
                self._apply_one(
                    pipe, "zone_set", period, zone.zone_id, zone.score, zone.reached_seq
                )
        pipe.set(self._ready_key, "1")
        pipe.execute()
