"""Enrollment: a resident becomes a promoter's volunteer by scanning the promoter's code
on site, inside the promoter's zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.errors import AppError
from miniapp_api.points import service as points
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import utcnow
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
from miniapp_api.zones.fences import gcj02_location, zone_shape
from miniapp_api.zones.models import (
    ACTIVE,
    Enrollment,
    EnrollmentCode,
    RoleZone,
    ScanPosition,
    Zone,
)


@dataclass(frozen=True)
class Enrolled:
    """A new volunteer's enrollment: under whom, where, how the fence decided, and the
    volunteer's points for it."""

    enrollment_id: int
    promoter: User
    zone: Zone
    decision: str  # "inside" or "edge"
    distance_to_edge_m: float
    points_awarded: int


@dataclass(frozen=True)
class _Scan:
    """A scan that passed the checks before the geofence, and the geofence's verdict."""

    code: EnrollmentCode
    now: datetime
    accuracy: float
    decision: geo.Decision | None
    refusal: AppError | None  # raised once the scan's position is kept


def enroll(user: User, values: Mapping[str, Any]) -> Enrolled:
    """Become the promoter's volunteer on site.

    Two units of work, because a refused scan must still leave something behind: first
    the scan's checks (`_scan`), whose position is kept even when the scan is refused
    as an implausible jump or outside the zone, so the next scan is compared with it;
    then the enrollment (`_enroll`: the role, the row without coordinates, points for
    both sides), all of it or nothing.
    """
    scan = _scan(user, values)
    if scan.refusal is not None:
        raise scan.refusal
    try:
        return _enroll(user, scan)
    except IntegrityError:  # another scan by the same person won
        raise _already(_enrollment_of(user.id)) from None


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


@use_case
def _enroll(user: User, scan: _Scan) -> Enrolled:
    code, decision = scan.code, scan.decision
    # Both users whose points change, in the global order: two promoters scanning each
    # other's codes at once would otherwise each hold one lock and wait for the other.
    users.lock(user.id, code.promoter_id)
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
    return Enrolled(
        enrollment_id=enrollment.id,
        promoter=promoter,
        zone=db.session.get(Zone, code.zone_id),
        decision=decision.how,
        distance_to_edge_m=decision.distance_to_edge_m,
        points_awarded=volunteer_points.awarded,
    )


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


def _enrollment_of(user_id: int) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user_id))


def _refuse_if_enrolled(user: User) -> None:
    existing = _enrollment_of(user.id)
    if existing is not None or user.has_role("volunteer"):
        raise _already(existing)


def _already(existing: Enrollment | None) -> AlreadyEnrolled:
    if existing is None:
        return AlreadyEnrolled()
    promoter = db.session.get(User, existing.promoter_id)
    return AlreadyEnrolled(
        f"您已经是宣传员“{promoter.nickname or '宣传员'}”的志愿者了",
        errors={"promoter": {"id": promoter.id, "nickname": promoter.nickname}},
    )
