"""Users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.storage import TimestampMixin, db, in_list
from miniapp_api.timeutil import utcnow

# `resident` is implicit: everyone who has logged in holds it.
RESIDENT = "resident"
GRANTED_ROLES = ("volunteer", "promoter", "station_admin", "admin")
ALL_ROLES = (RESIDENT, *GRANTED_ROLES)

ACTIVE, BANNED, DELETED = "active", "banned", "deleted"
USER_STATUSES = (ACTIVE, BANNED, DELETED)

AGE_GROUPS = ("under_18", "18_29", "30_44", "45_59", "60_plus")
OCCUPATIONS = (
    "student",
    "enterprise_staff",
    "finance_staff",
    "public_sector",
    "self_employed",
    "farmer",
    "retired",
    "homemaker",
    "job_seeker",
    "other",
)


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(in_list("status", USER_STATUSES), name="status_known"),
        CheckConstraint("points_balance >= 0", name="points_balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    # WeChat's session key: kept server-side for decrypting user data, never sent out.
    wechat_session_key: Mapped[str | None] = mapped_column(String(128))
    nickname: Mapped[str | None] = mapped_column(String(32))
    avatar_url: Mapped[str | None] = mapped_column(String(512))
    age_group: Mapped[str | None] = mapped_column(String(16))
    occupation: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    subscribed_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    points_balance: Mapped[int] = mapped_column(default=0)
    # The zone the user's points count for: a volunteer's enrollment zone, else a
    # promoter's first zone (kept by the zones domain; leaderboards and scoping read it).
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), index=True
    )
    consent_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    banned_at: Mapped[datetime | None]
    ban_reason: Mapped[str | None] = mapped_column(String(200))
    banned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Tokens issued up to this instant are refused (set by a ban, and kept by the unban,
    # so that tokens from before a ban stay dead).
    sessions_valid_after: Mapped[datetime | None]
    # The console password's last change: console sessions from before it end.
    password_changed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    @property
    def roles(self) -> list[str]:
        granted = {grant.role for grant in self.role_grants}
        return [role for role in ALL_ROLES if role == RESIDENT or role in granted]

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def name(self) -> str:
        """How the console names the user (a nickname, else the user id)."""
        return self.nickname or f"用户 {self.id}"

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(in_list("role", GRANTED_ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
