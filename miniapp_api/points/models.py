"""The points ledger: append-only, one row per change of a user's points."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db, in_list
from miniapp_api.timeutil import utcnow

# Points earned by taking part: they count towards leaderboards and `earned_total`.
EARNING_REASONS = (
    "daily_checkin",
    "article_read",
    "daily_quiz",
    "quiz",
    "enrolled",
    "recruit",
    "recruit_qualified",
    "event_checkin",
    "event_host",
)
# Points moved for other causes: spending, refunds and corrections by an officer.
OTHER_REASONS = ("redeem", "refund", "admin_adjust")
REASONS = EARNING_REASONS + OTHER_REASONS


class PointsEntry(db.Model):
    """Rows are never updated or deleted; a mistake is corrected by a reversing row.
    (user, reason, ref) is unique, so the same cause never pays twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("user_id", "reason", "ref"),
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint(in_list("reason", REASONS), name="reason_known"),
        Index("ix_points_ledger_user_id_reason_local_date", "user_id", "reason", "local_date"),
        Index("ix_points_ledger_user_id_id", "user_id", "id"),
        # A day's rows city-wide: the statistics rollup and today's live figures.
        Index("ix_points_ledger_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    # What caused it: "2026-11-21" for a check-in, "article:12", "redemption:5", …
    ref: Mapped[str] = mapped_column(String(64))
    # The user's zone when the points were earned (zones arrive with enrollment).
    zone_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The day in the app's time zone: daily caps and leaderboard periods use it.
    local_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
