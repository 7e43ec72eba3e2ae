"""Enrollment by scanning a promoter's code on site, and what follows from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.errors import AppError
from miniapp_api.points import service as points
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import local_today, period_start, utcnow
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


@dataclass(frozen=True)
class _Scan:
    """A scan that passed the checks before the geofence, and the geofence's verdict."""

    code: EnrollmentCode
    now: datetime
    accuracy: float
    decision: geo.Decision | None
    refusal: AppError | None  # raised once the scan's position is kept


@use_case
def _scan(user: User, values: Mapping[str, Any]) -> _Scan:
    """The checks in API.md's order; the last two (a jump, outside the zone) refuse the
    scan but keep its position, which the next honest scan is compared with."""
    code = _live_code(values["scene"])
    if code.promoter_id == user.id:
        raise SelfEnrollment()
    users.lock(user.id)  # concurrent scans by one person: one enrollment
    _refuse_if_enrolled(user)
    if values["accuracy"] > current_app.config["ENROLL_MAX_ACCURACY_M"]:
        raise LocationInaccurate()
    lng, lat = gcj02_location(values)
    now = utcnow()
    try:
        _check_jump(user.id, lng, lat, now)
    except LocationImplausible as refusal:
        return _Scan(code, now, values["accuracy"], None, refusal)
    shape = zone_shape(code.zone_id)
    decision = geo.decide(shape, lng, lat, values["accuracy"]) if shape else None
    refusal = None if decision is not None and decision.inside else OutsideZone()
    return _Scan(code, now, values["accuracy"], decision, refusal)


def _refuse_if_enrolled(user: User) -> None:
    existing = db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
    if existing is not None or user.has_role("volunteer"):
        raise _already(existing)


def enroll(user: User, values: Mapping[str, Any]) -> dict:
    """Become the promoter's volunteer on site. Two units of work: the scan's checks,
    whose position is kept even when the scan is refused; then the enrollment (the
    role, the row without coordinates, points for both sides), or nothing."""
    scan = _scan(user, values)
    if scan.refusal is not None:
        raise scan.refusal
    try:
        return _enroll(user, scan)
    except IntegrityError:  # another scan by the same person won
        existing = db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
        raise _already(existing) from None


@use_case
def _enroll(user: User, scan: _Scan) -> dict:
    code, decision = scan.code, scan.decision
    users.lock(user.id)
    _refuse_if_enrolled(user)
    enrollment = Enrollment(
        volunteer_id=user.id,
        promoter_id=code.promoter_id,
        zone_id=code.zone_id,
        code_id=code.id,
        decision=decision.how,
        distance_to_edge_m=decision.distance_to_edge_m,
        accuracy_m=scan.accuracy,
        created_at=scan.now,
    )
    db.session.add(enrollment)
    db.session.flush()
    users.grant_roles(user, ["volunteer"])
    user.zone_id = code.zone_id
    volunteer_points = points.award(user, "enrolled", "volunteer", zone_id=code.zone_id)
    promoter = db.session.get(User, code.promoter_id)
    points.award(promoter, "recruit", f"volunteer:{user.id}", zone_id=code.zone_id)
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


def on_quiz_finished(_app, *, user_id: int, session_id: str) -> None:
    """A volunteer finished a quiz: their promoter's qualified-recruit bonus, once, in
    the scoring's transaction (a receiver of `signals.quiz_finished`)."""
    volunteer_id = user_id
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
    week_start = period_start("week", local_today())
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


def export_enrollment(user: User) -> dict | None:
    """The user's part of `GET /me/export`: their enrollment, without any location."""
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
