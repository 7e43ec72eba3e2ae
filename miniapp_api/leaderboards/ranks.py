"""Ranks without counting members: how many members of each board hold each score,
and each bucket of 2**BUCKET_BITS scores, kept in the transaction that changes a
member's score. A rank is 1 + the members above the score: the buckets above its
bucket, plus the scores above it within its bucket, a few hundred rows at most,
whatever the rank and however many dead row versions the summary table holds.

A change is an upsert adding to `members`, written in key order (scores, then
buckets) at the end of the unit of work (`pending`), so parallel awards each add their
part and take their locks in one order; a bucket changes only when a member's score
crosses into another bucket.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select

from miniapp_api.leaderboards.models import (
    BUCKET_BITS,
    LeaderboardScore,
    LeaderboardScoreBucket,
    LeaderboardScoreCount,
)
from miniapp_api.storage import db, insert

COUNT_KEY = ["board", "period", "zone_id", "score"]
BUCKET_KEY = ["board", "period", "zone_id", "bucket"]


def _upsert(model, key: list[str], deltas: Counter) -> None:
    rows = [dict(zip(key, k, strict=True), members=n) for k, n in sorted(deltas.items()) if n]
    if not rows:
        return
    stmt = insert(model).values(rows)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=key, set_={"members": model.members + stmt.excluded.members}
        )
    )


def write_counts(deltas: Counter) -> None:
    """Add `deltas` ((board, period, zone_id, score) -> members) to the score counts
    and their buckets (at the end of the unit of work: `pending`)."""
    buckets: Counter = Counter()
    for (board, period, zone, score), n in deltas.items():
        buckets[(board, period, zone, score >> BUCKET_BITS)] += n
    _upsert(LeaderboardScoreCount, COUNT_KEY, deltas)
    _upsert(LeaderboardScoreBucket, BUCKET_KEY, buckets)


def moved(written: Iterable[tuple[str, str, int, int]], delta: int) -> Counter:
    """The count changes of members whose score rose by `delta` to each written
    (board, period, zone_id, score): a row at `delta` is new (earned scores are > 0)."""
    deltas: Counter = Counter()
    for board, period, zone, score in written:
        deltas[(board, period, zone, score)] += 1
        if score != delta:
            deltas[(board, period, zone, score - delta)] -= 1
    return deltas


def replaced(old: Iterable, new: Iterable) -> Counter:
    """The count changes of a member's summary rows `old` replaced by `new`."""
    deltas: Counter = Counter()
    for rows, sign in ((old, -1), (new, 1)):
        for row in rows:
            deltas[(row.board, row.period, row.zone_id, row.score)] += sign
    return deltas


def expected():
    """(label, model, recount query, stored rows worth comparing) for `tallies.verify`
    and `tallies.refill`."""
    row = LeaderboardScore
    board = (row.board, row.period, row.zone_id)
    counts = select(*board, row.score, func.count()).group_by(*board, row.score)
    bucket = row.score.op(">>")(BUCKET_BITS)
    buckets = select(*board, bucket, func.count()).group_by(*board, bucket)
    return [
        ("score count", LeaderboardScoreCount, counts, LeaderboardScoreCount.members != 0),
        ("score bucket", LeaderboardScoreBucket, buckets, LeaderboardScoreBucket.members != 0),
    ]


def _of(model, board):
    return (model.board == board.name, model.period == board.period, model.zone_id == board.zone_id)


def members_above(board, score: int) -> int:
    """How many members of `board` (backends.Board) have a higher score than `score`."""
    bucket = score >> BUCKET_BITS
    in_bucket = (
        select(func.coalesce(func.sum(LeaderboardScoreCount.members), 0))
        .where(
            *_of(LeaderboardScoreCount, board),
            LeaderboardScoreCount.score > score,
            LeaderboardScoreCount.score < (bucket + 1) << BUCKET_BITS,
        )
        .scalar_subquery()
    )
    higher_buckets = (
        select(func.coalesce(func.sum(LeaderboardScoreBucket.members), 0))
        .where(*_of(LeaderboardScoreBucket, board), LeaderboardScoreBucket.bucket > bucket)
        .scalar_subquery()
    )
    return int(db.session.scalar(select(in_bucket + higher_buckets)))


def members_at(board, scores: list[int]) -> dict[int, int]:
    """How many members of `board` hold each of `scores`."""
    rows = db.session.execute(
        select(LeaderboardScoreCount.score, LeaderboardScoreCount.members).where(
            *_of(LeaderboardScoreCount, board), LeaderboardScoreCount.score.in_(scores)
        )
    )
    return dict(rows.all())
