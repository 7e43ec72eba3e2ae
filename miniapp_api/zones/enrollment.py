"""Enrollment by scanning a promoter's code on site, and what follows from it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.db import utcnow
from miniapp_api.extensions import db
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.points import service as points
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones import geo
from miniapp_api.zones.errors import (
    AlreadyEnrolled,
    LocationImplausible,
    LocationInaccurate,
    OutsideZone,
    QrExpired,
    QrInvalid,
    SelfEnrollment,
)
from miniapp_api.zones.fences import gcj02_location, zone_names, zone_shape
from miniapp_api.zones.models import (
    ACTIVE,
    Enrollment,
    EnrollmentCode,
    RoleZone,
    ScanPosition,
)
from miniapp_api.zones.promoters import promoter_zone_id


def _check_jump(user_id: int, lng: float, lat: float, now: datetime) -> None:
    """Refuse a scan far from the caller's previous scan within a minute (an impossible
    journey), then remember only this one position for the next minute."""
    window = timedelta(seconds=current_app.config["ENROLL_JUMP_WINDOW_SECONDS"])
    db.session.execute(delete(ScanPosition).where(ScanPosition.seen_at < now - window))
    last = db.session.get(ScanPosition, user_id)
    if last is not None:
        moved = geo.haversine_m(last.lng, last.lat, lng, lat)
        seconds = max((now - last.seen_at).total_seconds(), 1.0)
        if moved > current_app.config["ENROLL_JUMP_MAX_METRES"] and moved / seconds > 50:
            raise LocationImplausible()
        last.lng, last.lat, last.seen_at = lng, lat, now
    else:
        db.session.add(ScanPosition(user_id=user_id, lng=lng, lat=lat, seen_at=now))


def _live_code(scene: str) -> EnrollmentCode:
    code = db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.scene == scene))
    if code is None or code.status != ACTIVE:
        raise QrInvalid()
    if code.expires_at is not None and code.expires_at <= utcnow():
        raise QrExpired()
    promoter = db.session.get(User, code.promoter_id)
    still_promoter = db.session.get(RoleZone, (code.promoter_id, "promoter", code.zone_id))
    if (
        promoter is None
        or promoter.status != USER_ACTIVE
        or not promoter.has_role("promoter")
        or still_promoter is None
    ):
        raise QrInvalid("该宣传员的二维码已失效")
    return code


def enroll(user: User, values: Mapping[str, Any]) -> dict:
    """Checks in the order API.md lists; any failure writes nothing (except the
    one-minute scan position used against location jumps). Commits."""
    code = _live_code(values["scene"])
    if code.promoter_id == user.id:
        raise SelfEnrollment()
    points.lock_user(user.id)  # concurrent scans by one person: one enrollment
    existing = db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
    if existing is not None or user.has_role("volunteer"):
        db.session.rollback()
        raise _already(existing)
    if values["accuracy"] > current_app.config["ENROLL_MAX_ACCURACY_M"]:
        db.session.rollback()
        raise LocationInaccurate()
    lng, lat = gcj02_location(values)
    now = utcnow()
    try:
        _check_jump(user.id, lng, lat, now)
    except LocationImplausible:
        db.session.commit()  # keep the new position: the next honest scan compares with it
        raise
    shape = zone_shape(code.zone_id)
    decision = geo.decide(shape, lng, lat, values["accuracy"]) if shape else None
    if decision is None or not decision.inside:
        db.session.commit()
        raise OutsideZone()
    enrollment = Enrollment(
        volunteer_id=user.id,
        promoter_id=code.promoter_id,
        zone_id=code.zone_id,
        code_id=code.id,
        decision=decision.how,
        distance_to_edge_m=decision.distance_to_edge_m,
        accuracy_m=values["accuracy"],
        created_at=now,
    )
    db.session.add(enrollment)
    db.session.flush()
    users.grant_roles(user, ["volunteer"])
    volunteer_points = points.award(user, "enrolled", "volunteer", zone_id=code.zone_id)
    promoter = db.session.get(User, code.promoter_id)
    points.award(promoter, "recruit", f"volunteer:{user.id}", zone_id=code.zone_id)
    try:
        db.session.commit()
    except IntegrityError:  # another scan by the same person won
        db.session.rollback()
        raise _already(
            db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
        ) from None
    return {
        "enrollment_id": enrollment.id,
        "promoter": {"id": promoter.id, "nickname": promoter.nickname},
        "zone": {"id": code.zone_id, "name": zone_names([code.zone_id]).get(code.zone_id)},
        "decision": decision.how,
        "distance_to_edge_m": decision.distance_to_edge_m,
        "points_awarded": volunteer_points.awarded,
    }


def _already(existing: Enrollment | None) -> AlreadyEnrolled:
    if existing is None:
        return AlreadyEnrolled()
    promoter = db.session.get(User, existing.promoter_id)
    return AlreadyEnrolled(
        f"您已经是宣传员“{promoter.nickname or '宣传员'}”的志愿者了",
        errors={"promoter": {"id": promoter.id, "nickname": promoter.nickname}},
    )


def qualify_recruit(volunteer_id: int) -> None:
    """The volunteer finished a quiz: their promoter's qualified-recruit bonus, once.
    Runs in the caller's transaction."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.volunteer_id == volunteer_id, Enrollment.qualified_at.is_(None)
        )
    )
    if enrollment is None:
        return
    enrollment.qualified_at = utcnow()
    promoter = db.session.get(User, enrollment.promoter_id)
    if promoter is not None and promoter.status == USER_ACTIVE:
        points.award(
            promoter, "recruit_qualified", f"volunteer:{volunteer_id}", zone_id=enrollment.zone_id
        )


def zone_of_user(user_id: int) -> int | None:
    """The zone a user's points count for: where they enrolled, else their promoter zone."""
    zone_id = db.session.scalar(
        select(Enrollment.zone_id).where(Enrollment.volunteer_id == user_id)
    )
    if zone_id is None:
        zone_id = db.session.scalar(
            select(RoleZone.zone_id)
            .where(RoleZone.user_id == user_id, RoleZone.role == "promoter")
            .order_by(RoleZone.zone_id)
        )
    return zone_id


def volunteer_counts(promoter_ids: list[int]) -> dict[int, int]:
    if not promoter_ids:
        return {}
    return dict(
        db.session.execute(
            select(Enrollment.promoter_id, func.count())
            .join(User, User.id == Enrollment.volunteer_id)
            .where(Enrollment.promoter_id.in_(promoter_ids), User.status == USER_ACTIVE)
            .group_by(Enrollment.promoter_id)
        ).all()
    )


def my_volunteers(promoter: User, page: int, per_page: int) -> dict:
    """The promoter's volunteers, newest first, with the points each earned this week."""
    promoter_zone_id(promoter)
    week_start = leaderboards.period_start("week", leaderboards.today())
    week_points = (
        select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .where(
            PointsEntry.user_id == Enrollment.volunteer_id,
            PointsEntry.reason.in_(EARNING_REASONS),
            PointsEntry.local_date >= week_start,
        )
        .scalar_subquery()
    )
    query = (
        select(Enrollment, User, week_points)
        .join(User, User.id == Enrollment.volunteer_id)
        .where(Enrollment.promoter_id == promoter.id, User.status == USER_ACTIVE)
        .order_by(Enrollment.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [
            {
                "user_id": volunteer.id,
                "nickname": volunteer.nickname,
                "avatar_url": volunteer.avatar_url,
                "enrolled_at": enrollment.created_at,
                "qualified": enrollment.qualified_at is not None,
                "points_this_week": week,
            }
            for enrollment, volunteer, week in rows
        ],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def export_section(user: User) -> dict | None:
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
    if enrollment is None:
        return None
    return {
        "promoter_id": enrollment.promoter_id,
        "zone_id": enrollment.zone_id,
        "enrolled_at": enrollment.created_at,
        "decision": enrollment.decision,
        "distance_to_edge_m": enrollment.distance_to_edge_m,
    }
