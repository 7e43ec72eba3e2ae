"""What users allowed (subscriptions and their quota), what was sent (deliveries) and
targeted warnings (broadcasts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db, in_list
from miniapp_api.timeutil import utcnow

RESULTS = ("accept", "reject", "ban", "filter")

# A delivery is written `pending` and committed before WeChat is called, then settled.
PENDING, SENT, REFUSED, FAILED, NO_QUOTA, RETRY = (
    "pending",
    "sent",
    "refused",
    "failed",
    "no_quota",
    "retry",
)
DELIVERY_STATUSES = (PENDING, SENT, REFUSED, FAILED, NO_QUOTA, RETRY)

QUEUED, SENDING, DONE, CANCELLED = "queued", "sending", "done", "cancelled"
BROADCAST_STATUSES = (QUEUED, SENDING, DONE, CANCELLED)


class MessageSubscription(db.Model):
    """One user's standing for one template: sends left (one per `accept` of a one-time
    template) and the last answer `wx.requestSubscribeMessage` gave."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "template_key"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint(in_list("last_result", RESULTS), name="last_result_known"),
        Index("ix_message_subscriptions_template_key_remaining", "template_key", "remaining"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(default=0)
    long_term: Mapped[bool] = mapped_column(default=False)
    last_result: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(db.Model):
    """At most one message per user per message key (`alert:12`, `event:3:reminder`)."""

    __tablename__ = "message_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "message_key"),
        CheckConstraint(in_list("status", DELIVERY_STATUSES), name="status_known"),
        Index("ix_message_deliveries_status_created_at", "status", "created_at"),
        Index("ix_message_deliveries_broadcast_id_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(64))
    template_key: Mapped[str] = mapped_column(String(32))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    errcode: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]


class Broadcast(db.Model):
    """A warning or an article pushed to the users a filter selects (by an officer, or
    by publication to the users subscribed to its fraud type)."""

    __tablename__ = "broadcasts"
    __table_args__ = (CheckConstraint(in_list("status", BROADCAST_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(64), index=True)
    template_key: Mapped[str] = mapped_column(String(32))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    targeted: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    no_quota: Mapped[int] = mapped_column(default=0)
    batches: Mapped[int] = mapped_column(default=0)
    batches_done: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
