"""What a staff member signs in to the console with, kept apart from the account so that no
API output or export of `users` can carry a secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import TimestampMixin, db

STAFF_ROLES = ("admin", "station_admin")  # who may sign in to the console


class StaffCredential(TimestampMixin, db.Model):
    """A staff member's console sign-in: a login name, an argon2id password hash, the
    failed attempts since the last success, the lock, and an optional TOTP secret."""

    __tablename__ = "staff_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    login: Mapped[str | None] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code works once.
    totp_last_step: Mapped[int | None]


class ConsoleLoginTicket(db.Model):
    """A scan-to-sign-in ticket: shown as a code on the sign-in page, confirmed by an officer
    in the mini-program, then used once by the browser that asked for it."""

    __tablename__ = "console_login_tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    confirmed_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
