"""The audit log: one append-only row per administrative action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


class AuditEntry(db.Model):
    """Who did what to which object, where and why, with the changed fields before and
    after. Rows are only ever inserted (by the use case, in its own transaction); they
    hold ids and non-personal fields only: no secrets, no coordinates, no phone numbers."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object_type_object_id", "object_type", "object_id"),
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_zone_id_id", "zone_id", "id"),
        Index("ix_audit_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for an operator's command on the server (`via` says "cli").
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(8), default="api")  # api, console, cli
    action: Mapped[str] = mapped_column(String(48))  # "user.ban", "redemption.fulfil", …
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    zone_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    # {"field": [before, after]} for the fields the action changed.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
