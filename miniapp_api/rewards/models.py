"""Rewards (奖品) and redemptions (兑换)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.storage import TimestampMixin, db, in_list
from miniapp_api.timeutil import utcnow

PENDING, FULFILLED, CANCELLED = "pending", "fulfilled", "cancelled"
REDEMPTION_STATUSES = (PENDING, FULFILLED, CANCELLED)


class Reward(TimestampMixin, db.Model):
    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        CheckConstraint("per_user_limit IS NULL OR per_user_limit > 0", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(512))
    points_cost: Mapped[int]
    stock: Mapped[int]
    per_user_limit: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]


class Redemption(db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint(in_list("status", REDEMPTION_STATUSES), name="status_known"),
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_redemptions_user_id_reward_id", "user_id", "reward_id"),
        Index("ix_redemptions_status", "status"),
        Index("ix_redemptions_zone_id_status", "zone_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="RESTRICT"))
    points_cost: Mapped[int]
    # The pickup code shown at the station.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    idempotency_key: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The redeeming user's zone (`users.zone_id`) at the time: the station that hands it out.
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))

    reward: Mapped[Reward] = relationship(lazy="joined")
