"""The leaderboards' summary table: one row per (board, period, zone, member).

A materialised view of the points ledger, kept in step by the award service and
rebuilt from the ledger by `flask leaderboards rebuild`. Only members that a board
shows have rows (active users holding the board's role), so reads are index scans.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, cast, literal
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db

# `sort_key` orders a board: higher score first, then whoever reached it first
# (the lower ledger row id). The same encoding is the Redis sorted-set score, which
# is a double: exact up to 2**53, so scores stay below 2**22 per period.
SEQ_BITS = 31
SEQ_SPAN = 1 << SEQ_BITS
MAX_SCORE = (1 << 22) - 1
CITY = 0  # zone_id of the city-wide board


def sort_key(score: int, reached_seq: int) -> int:
    return score * SEQ_SPAN + (SEQ_SPAN - 1 - reached_seq)


def sql_sort_key(score, reached_seq):
    """`sort_key` as an SQL expression, in 64-bit arithmetic on every database."""
    return (
        cast(score, BigInteger) * literal(SEQ_SPAN, BigInteger)
        + literal(SEQ_SPAN - 1, BigInteger)
        - reached_seq
    )


def lowest_key_above(score: int) -> int:
    """The smallest sort key any member with a higher score can have."""
    return (score + 1) * SEQ_SPAN


class LeaderboardScore(db.Model):
    __tablename__ = "leaderboard_scores"
    __table_args__ = (
        Index(
            "ix_leaderboard_scores_board_period_zone_id_sort_key",
            "board",
            "period",
            "zone_id",
            "sort_key",
        ),
        Index("ix_leaderboard_scores_user_id", "user_id"),
    )

    board: Mapped[str] = mapped_column(String(16), primary_key=True)
    # "all", "w2026-11-16" (the Monday) or "m2026-11"
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int]
    reached_seq: Mapped[int] = mapped_column(BigInteger())
    sort_key: Mapped[int] = mapped_column(BigInteger())


class LeaderboardSync(db.Model):
    """A backend that missed an update since its last rebuild (see `redis_state`)."""

    __tablename__ = "leaderboard_sync"

    backend: Mapped[str] = mapped_column(String(16), primary_key=True)
    lost_at: Mapped[datetime]


class LeaderboardScoreCount(db.Model):
    """How many members of a board hold each score, kept with the summary rows in the
    same transaction: a member's rank is 1 + the members at higher scores, a sum over
    the board's distinct scores instead of a count of its members."""

    __tablename__ = "leaderboard_score_counts"

    board: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    members: Mapped[int]


class LeaderboardZoneTotal(db.Model):
    """A zone's volunteers' points in a period (its sub-zones' included) and the latest
    ledger row counted: the zones board without summing the summary rows."""

    __tablename__ = "leaderboard_zone_totals"

    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int] = mapped_column(BigInteger())
    reached_seq: Mapped[int] = mapped_column(BigInteger())


class PromoterTally(db.Model):
    """A promoter's active enrolled volunteers, as the promoters board shows them."""

    __tablename__ = "leaderboard_promoter_tallies"

    promoter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    volunteers: Mapped[int]


# Score counts are also summed per bucket of 2**BUCKET_BITS consecutive scores, so a
# rank reads at most one bucket's scores and the buckets above it.
BUCKET_BITS = 7


class LeaderboardScoreBucket(db.Model):
    """How many members of a board hold a score in each bucket (score >> BUCKET_BITS)."""

    __tablename__ = "leaderboard_score_buckets"

    board: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    members: Mapped[int]
