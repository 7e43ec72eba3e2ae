"""Zones (电子围栏), promoters' applications and codes, enrollments, events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.storage import TimestampMixin, db, in_list
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User

ZONE_KINDS = ("district", "town", "street", "village", "community", "site")
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
APPLICATION_STATUSES = (PENDING, APPROVED, REJECTED)
ACTIVE, REVOKED = "active", "revoked"
CODE_STATUSES = (ACTIVE, REVOKED)
EVENT_STATES = ("upcoming", "current", "past", "cancelled")


class Zone(TimestampMixin, db.Model):
    """A fence, stored canonically in GCJ-02 (`shape`: geo.ZoneShape.to_storage())."""

    __tablename__ = "zones"
    __table_args__ = (CheckConstraint(in_list("kind", ZONE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Zones loaded from files (`flask zones import`) keep their slug, so a re-import updates.
    slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    shape: Mapped[dict] = mapped_column(JSON)
    vertex_count: Mapped[int] = mapped_column(default=0)


class RoleZone(db.Model):
    """The zones a promoter works in or a station admin manages."""

    __tablename__ = "role_zones"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )


class PromoterApplication(db.Model):
    __tablename__ = "promoter_applications"
    __table_args__ = (
        CheckConstraint(in_list("status", APPLICATION_STATUSES), name="status_known"),
        Index("ix_promoter_applications_zone_id_status", "zone_id", "status"),
        Index("ix_promoter_applications_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    real_name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    reason: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    zone: Mapped[Zone] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class EnrollmentCode(db.Model):
    """A promoter's code: the `scene` behind the QR or mini-program code."""

    __tablename__ = "enrollment_codes"
    __table_args__ = (
        CheckConstraint(in_list("status", CODE_STATUSES), name="status_known"),
        Index("ix_enrollment_codes_promoter_id_status", "promoter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(32), unique=True)
    promoter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # WeChat's mini-program code image, fetched once (never a JSON error reply).
    wxacode: Mapped[bytes | None] = mapped_column(LargeBinary)


class Enrollment(db.Model):
    """A volunteer under a promoter: one per volunteer. No raw coordinates are kept,
    only the decision and the distance to the fence."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("volunteer_id"),
        Index("ix_enrollments_promoter_id", "promoter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    promoter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollment_codes.id", ondelete="SET NULL")
    )
    decision: Mapped[str] = mapped_column(String(8))  # inside or edge
    distance_to_edge_m: Mapped[float]
    accuracy_m: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the volunteer first finished a quiz (the promoter's qualified bonus).
    qualified_at: Mapped[datetime | None]


class ScanPosition(db.Model):
    """The caller's last scan position, kept for one minute to refuse implausible jumps
    (one row per user, overwritten; never a track)."""

    __tablename__ = "scan_positions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lng: Mapped[float]
    lat: Mapped[float]
    seen_at: Mapped[datetime]


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("radius_m > 0", name="radius_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_events_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promoter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    place_name: Mapped[str | None] = mapped_column(String(64))
    lng: Mapped[float]  # GCJ-02
    lat: Mapped[float]
    radius_m: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    cancelled: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    zone: Mapped[Zone] = relationship(lazy="joined")

    @property
    def state(self) -> str:
        """`cancelled`, else `upcoming`, `current` or `past` by the time window."""
        if self.cancelled:
            return "cancelled"
        now = utcnow()
        if now < self.starts_at:
            return "upcoming"
        return "current" if now < self.ends_at else "past"


class EventCheckin(db.Model):
    __tablename__ = "event_checkins"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    distance_m: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
