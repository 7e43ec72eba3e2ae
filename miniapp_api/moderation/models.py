"""Content reviews: text others would see that WeChat's content security held for an
officer (`review`) or could not judge yet (`pending`). Only the text and its verdict
are kept, with whose it is and the zone whose officers decide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db, in_list
from miniapp_api.timeutil import utcnow

PENDING, REVIEW, CLEARED, REJECTED = "pending", "review", "cleared", "rejected"
REVIEW_STATUSES = (PENDING, REVIEW, CLEARED, REJECTED)
OPEN = (PENDING, REVIEW)
# What the text is: a user's nickname, an event's title and description, the organisation
# named in a promoter application. `subject_id` is the user, event or application.
NICKNAME, EVENT, ORGANISATION = "nickname", "event", "organisation"
KINDS = (NICKNAME, EVENT, ORGANISATION)


class ContentReview(db.Model):
    __tablename__ = "content_reviews"
    __table_args__ = (
        CheckConstraint(in_list("status", REVIEW_STATUSES), name="status_known"),
        CheckConstraint(in_list("kind", KINDS), name="kind_known"),
        Index("ix_content_reviews_status_zone_id", "status", "zone_id"),
        Index("ix_content_reviews_kind_subject_id", "kind", "subject_id"),
        Index("ix_content_reviews_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
