"""Revoked login sessions: the database side of the token blocklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


class RevokedSession(db.Model):
    """A login session (the `sid` claim shared by an access and a refresh token) that
    was revoked. Kept until the last token of the session would have expired."""

    __tablename__ = "revoked_sessions"

    sid: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
