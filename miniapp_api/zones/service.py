"""Zones, promoter applications and codes, enrollment, and on-site events.

Fences are stored in GCJ-02 (what `wx.getLocation({type: "gcj02"})` returns), so the
hot path converts nothing; a WGS-84 location is converted before the test. Each
process keeps a `geo.ZoneIndex` of the active zones and rebuilds it when the zones
table changes (a cheap `count, max(updated_at)` check per use).
"""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.db import utcnow
from miniapp_api.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from miniapp_api.extensions import db
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.pagination import paginate
from miniapp_api.points import service as points
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client, wechat_configured
from miniapp_api.zones import geo
from miniapp_api.zones.models import (
    ACTIVE,
    APPROVED,
    PENDING,
    REJECTED,
    REVOKED,
    Enrollment,
    EnrollmentCode,
    Event,
    EventCheckin,
    PromoterApplication,
    RoleZone,
    ScanPosition,
    Zone,
)

log = logging.getLogger(__name__)

INDEX_KEY = "zone_index"
SCENE_ALPHABET = string.ascii_letters + string.digits
SCENE_LENGTH = 22  # ~131 bits: unguessable, within WeChat's 32
ZONED_ROLES = ("promoter", "station_admin")


# ---- errors (codes from API.md) -----------------------------------------------


class QrInvalid(AppError):
    status_code, error_code, message = 404, "QR_INVALID", "二维码无效，请让宣传员刷新后再扫"


class QrExpired(AppError):
    status_code, error_code, message = 410, "QR_EXPIRED", "二维码已过期，请让宣传员刷新后再扫"


class OutsideZone(AppError):
    status_code, error_code, message = 403, "OUTSIDE_ZONE", "您当前不在该宣传员的服务区域内"


class LocationInaccurate(AppError):
    status_code, error_code = 422, "LOCATION_INACCURATE"
    message = "定位不够准确，请到开阔处打开手机定位后重试"


class LocationImplausible(AppError):
    status_code, error_code = 422, "LOCATION_IMPLAUSIBLE"
    message = "定位变化异常，请稍后在现场重新扫码"


class AlreadyEnrolled(AppError):
    status_code, error_code, message = 409, "ALREADY_ENROLLED", "您已经是志愿者了"


class SelfEnrollment(AppError):
    status_code, error_code, message = 409, "SELF_ENROLLMENT", "不能扫描自己的二维码"


class NotPromoter(AppError):
    status_code, error_code, message = 403, "NOT_PROMOTER", "您还不是宣传员，请先申请"


class ApplicationPending(AppError):
    status_code, error_code = 409, "APPLICATION_PENDING"
    message = "您已有一份申请正在审核，请耐心等待"


class ApplicationDecided(AppError):
    status_code, error_code, message = 409, "APPLICATION_DECIDED", "该申请已经处理过了"


class EventNotOpen(AppError):
    status_code, error_code, message = 409, "EVENT_NOT_OPEN", "活动不在签到时间内"


class OutsideEvent(AppError):
    status_code, error_code, message = 403, "OUTSIDE_EVENT", "您不在活动现场范围内"


class AlreadyCheckedInEvent(AppError):
    status_code, error_code, message = 409, "ALREADY_CHECKED_IN", "您已经在本次活动签到过了"


def init_app(_app) -> None:
    points.register_zone_resolver(zone_of_user)
    leaderboards.register_zone_names(zone_names)
    leaderboards.register_volunteer_counts(volunteer_counts)
    users.register_export_section("enrollment", export_section)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={"json": {field: [message]}})


# ---- zones ------------------------------------------------------------------


def zone_index() -> geo.ZoneIndex:
    """This process's index of active zones, rebuilt when the zones table changed."""
    version = tuple(db.session.execute(select(func.count(), func.max(Zone.updated_at))).one())
    cached = current_app.extensions.get(INDEX_KEY)
    if cached is None or cached[0] != version:
        rows = db.session.execute(select(Zone.id, Zone.shape).where(Zone.active.is_(True)))
        index = geo.ZoneIndex(
            (zone_id, geo.ZoneShape.from_storage(shape)) for zone_id, shape in rows
        )
        cached = (version, index)
        current_app.extensions[INDEX_KEY] = cached
    return cached[1]


def zone_shape(zone_id: int) -> geo.ZoneShape | None:
    index = zone_index()
    try:
        return index.shape(zone_id)
    except KeyError:
        return None


def list_zones(with_geometry: bool, page: int, per_page: int, *, active_only: bool = True):
    query = select(Zone).order_by(Zone.district, Zone.name, Zone.id)
    if active_only:
        query = query.where(Zone.active.is_(True))
    result = paginate(query, page, per_page)
    result["items"] = [zone_view(zone, with_geometry) for zone in result["items"]]
    return result


def zone_view(zone: Zone, with_geometry: bool) -> dict:
    view = {
        "id": zone.id,
        "name": zone.name,
        "district": zone.district,
        "kind": zone.kind,
        "parent_id": zone.parent_id,
        "active": zone.active,
    }
    if with_geometry:
        view["geometry"] = geo.ZoneShape.from_storage(zone.shape).to_geojson()
    return view


def get_zone(zone_id: int, *, active_only: bool = False) -> Zone:
    zone = db.session.get(Zone, zone_id)
    if zone is None or (active_only and not zone.active):
        raise NotFound("区域不存在")
    return zone


def _parse(geometry: Any, coord_type: str) -> geo.ZoneShape:
    try:
        return geo.parse_geometry(
            geometry, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
        )
    except geo.GeometryError as exc:
        raise _invalid(exc.field, exc.message) from exc


def _check_parent(parent_id: int | None, own_id: int | None = None) -> None:
    seen = {own_id}
    while parent_id is not None:
        if parent_id in seen:
            raise _invalid("parent_id", "上级区域不能形成循环")
        seen.add(parent_id)
        parent = db.session.get(Zone, parent_id)
        if parent is None:
            raise _invalid("parent_id", "上级区域不存在")
        parent_id = parent.parent_id


def create_zone(values: Mapping[str, Any]) -> Zone:
    shape = _parse(values["geometry"], values["coord_type"])
    _check_parent(values.get("parent_id"))
    zone = Zone(
        name=values["name"],
        district=values["district"],
        kind=values["kind"],
        parent_id=values.get("parent_id"),
        shape=shape.to_storage(),
        vertex_count=shape.vertex_count,
    )
    db.session.add(zone)
    db.session.commit()
    return zone


def update_zone(zone_id: int, values: Mapping[str, Any]) -> Zone:
    zone = get_zone(zone_id)
    values = dict(values)
    if "geometry" in values:
        if "coord_type" not in values:
            raise _invalid("coord_type", "修改边界时必须说明坐标系（wgs84 或 gcj02）")
        shape = _parse(values.pop("geometry"), values.pop("coord_type"))
        zone.shape, zone.vertex_count = shape.to_storage(), shape.vertex_count
    values.pop("coord_type", None)
    if "parent_id" in values:
        _check_parent(values["parent_id"], zone.id)
    for key, value in values.items():
        setattr(zone, key, value)
    zone.updated_at = utcnow()
    db.session.commit()
    return zone


def deactivate_zone(zone_id: int) -> None:
    """Zones are never erased (enrollments and points refer to them): they go inactive."""
    zone = get_zone(zone_id)
    zone.active = False
    zone.updated_at = utcnow()
    db.session.commit()


def import_zones(path: Path, coord_type: str, progress=None) -> dict[str, int]:
    """Load a GeoJSON FeatureCollection whose features carry `slug, name, district, kind,
    parent` properties; create or update by slug. Validates everything first; commits."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise geo.GeometryError(f"无法读取 GeoJSON：{exc}", "-") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise geo.GeometryError("需要一个包含 features 的 FeatureCollection", "features")
    parsed = []
    for number, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        for key in ("slug", "name", "district", "kind"):
            if not isinstance(props.get(key), str) or not props[key]:
                raise geo.GeometryError(f"缺少属性 {key}", f"features[{number}].properties.{key}")
        try:
            shape = geo.parse_geometry(
                feature, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
            )
        except geo.GeometryError as exc:
            raise geo.GeometryError(exc.message, f"features[{number}].{exc.field}") from exc
        parsed.append((props, shape))
        if progress:
            progress(1)
    slugs = {props["slug"] for props, _shape in parsed}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {z.slug: z for z in db.session.scalars(select(Zone).where(Zone.slug.in_(slugs)))}
    for props, shape in parsed:
        values = {
            "name": props["name"],
            "district": props["district"],
            "kind": props["kind"],
            "shape": shape.to_storage(),
            "vertex_count": shape.vertex_count,
            "active": True,
        }
        zone = existing.get(props["slug"])
        if zone is None:
            zone = Zone(slug=props["slug"], **values)
            db.session.add(zone)
            existing[props["slug"]] = zone
            counts["created"] += 1
        elif any(getattr(zone, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(zone, key, value)
            zone.updated_at = utcnow()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    for props, _shape in parsed:
        parent = props.get("parent")
        if parent and parent not in existing:
            found = db.session.scalar(select(Zone).where(Zone.slug == parent))
            if found is None:
                db.session.rollback()
                raise geo.GeometryError(f"上级区域 {parent} 不存在", "properties.parent")
            existing[parent] = found
        parent_id = existing[parent].id if parent else None
        if existing[props["slug"]].parent_id != parent_id:
            existing[props["slug"]].parent_id = parent_id
    db.session.commit()
    return counts


def zone_names(zone_ids: list[int]) -> dict[int, str]:
    if not zone_ids:
        return {}
    return dict(db.session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids))).all())


def managed_zone_ids(user: User) -> set[int] | None:
    """Zones an officer may manage: None for a city-wide admin, else the station admin's
    zones and everything below them."""
    if user.has_role("admin"):
        return None
    roots = set(
        db.session.scalars(
            select(RoleZone.zone_id).where(
                RoleZone.user_id == user.id, RoleZone.role == "station_admin"
            )
        )
    )
    managed, frontier = set(roots), set(roots)
    while frontier:
        children = set(db.session.scalars(select(Zone.id).where(Zone.parent_id.in_(frontier))))
        frontier = children - managed
        managed |= children
    return managed


def _require_manages(officer: User, zone_id: int) -> None:
    managed = managed_zone_ids(officer)
    if managed is not None and zone_id not in managed:
        raise Forbidden("该区域不在您的管辖范围内")


# ---- roles with zones ---------------------------------------------------------


def grant_role(user_id: int, role: str, zone_ids: list[int], officer: User) -> User:
    """Grant a role; `promoter` and `station_admin` need zones (only an admin grants)."""
    user = db.session.get(User, user_id)
    if user is None or user.status != USER_ACTIVE:
        raise NotFound("用户不存在")
    if role in ZONED_ROLES:
        if not zone_ids:
            raise _invalid("zone_ids", "该角色必须指定区域")
        for zone_id in zone_ids:
            get_zone(zone_id, active_only=True)
    elif zone_ids:
        raise _invalid("zone_ids", "该角色不分区域")
    users.grant_roles(user, [role], granted_by=officer)
    for zone_id in zone_ids:
        if db.session.get(RoleZone, (user.id, role, zone_id)) is None:
            db.session.add(RoleZone(user_id=user.id, role=role, zone_id=zone_id))
    db.session.commit()
    return user


def revoke_role(user_id: int, role: str, officer: User) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    if user.id == officer.id and role == "admin":
        raise Forbidden("不能撤销自己的管理员角色")
    db.session.execute(delete(RoleZone).where(RoleZone.user_id == user.id, RoleZone.role == role))
    if role == "promoter":
        _revoke_codes(user.id)
    users.revoke_role(user, role)
    db.session.commit()
    return user


def user_roles_view(user: User) -> dict:
    zones = db.session.execute(
        select(RoleZone.role, RoleZone.zone_id).where(RoleZone.user_id == user.id)
    ).all()
    return {
        "id": user.id,
        "roles": user.roles,
        "zones": [{"role": role, "zone_id": zone_id} for role, zone_id in zones],
    }


# ---- promoter applications ---------------------------------------------------------


def apply(user: User, values: Mapping[str, Any]) -> PromoterApplication:
    get_zone(values["zone_id"], active_only=True)
    if user.has_role("promoter"):
        raise Conflict("您已经是宣传员了")
    pending = db.session.scalar(
        select(PromoterApplication.id).where(
            PromoterApplication.user_id == user.id, PromoterApplication.status == PENDING
        )
    )
    if pending is not None:
        raise ApplicationPending()
    application = PromoterApplication(user_id=user.id, **values)
    db.session.add(application)
    db.session.commit()
    return application


def my_applications(user: User) -> list[PromoterApplication]:
    return list(
        db.session.scalars(
            select(PromoterApplication)
            .where(PromoterApplication.user_id == user.id)
            .order_by(PromoterApplication.id.desc())
        )
    )


def applications(officer: User, status: str | None, page: int, per_page: int) -> dict:
    query = select(PromoterApplication)
    managed = managed_zone_ids(officer)
    if managed is not None:
        query = query.where(PromoterApplication.zone_id.in_(managed or {-1}))
    if status:
        query = query.where(PromoterApplication.status == status)
    return paginate(query.order_by(PromoterApplication.id.desc()), page, per_page)


def decide_application(
    application_id: int, approve: bool, reason: str | None, officer: User
) -> PromoterApplication:
    application = db.session.get(PromoterApplication, application_id)
    if application is None:
        raise NotFound("申请不存在")
    _require_manages(officer, application.zone_id)
    if application.status != PENDING:
        raise ApplicationDecided()
    if not approve and not (reason or "").strip():
        raise _invalid("reason", "驳回时请填写原因")
    application.status = APPROVED if approve else REJECTED
    application.reason = reason
    application.decided_by_id = officer.id
    application.decided_at = utcnow()
    if approve:
        applicant = application.user
        db.session.add(RoleZone(user_id=applicant.id, role="promoter", zone_id=application.zone_id))
        users.grant_roles(applicant, ["promoter"], granted_by=officer)
    db.session.commit()
    return application


def promoter_zone_id(user: User) -> int:
    if not user.has_role("promoter"):
        raise NotPromoter()
    zone_id = db.session.scalar(
        select(RoleZone.zone_id)
        .where(RoleZone.user_id == user.id, RoleZone.role == "promoter")
        .order_by(RoleZone.zone_id)
    )
    if zone_id is None:
        raise NotPromoter("您的宣传员身份没有指定区域，请联系管理员")
    return zone_id


# ---- enrollment codes -----------------------------------------------------------------


def _new_scene() -> str:
    return "".join(secrets.choice(SCENE_ALPHABET) for _ in range(SCENE_LENGTH))


def _revoke_codes(promoter_id: int) -> None:
    for code in db.session.scalars(
        select(EnrollmentCode).where(
            EnrollmentCode.promoter_id == promoter_id, EnrollmentCode.status == ACTIVE
        )
    ):
        code.status, code.revoked_at = REVOKED, utcnow()


def _issue_code(promoter: User, zone_id: int, expires_in_days: int | None) -> EnrollmentCode:
    days = (
        current_app.config["ENROLLMENT_CODE_DAYS"] if expires_in_days is None else expires_in_days
    )
    code = EnrollmentCode(
        scene=_new_scene(),
        promoter_id=promoter.id,
        zone_id=zone_id,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(code)
    return code


def _live_code_of(promoter_id: int) -> EnrollmentCode | None:
    now = utcnow()
    return db.session.scalar(
        select(EnrollmentCode)
        .where(
            EnrollmentCode.promoter_id == promoter_id,
            EnrollmentCode.status == ACTIVE,
            or_(EnrollmentCode.expires_at.is_(None), EnrollmentCode.expires_at > now),
        )
        .order_by(EnrollmentCode.id.desc())
    )


def current_code(promoter: User) -> EnrollmentCode:
    """The promoter's live code, issued on first use (or after the last one expired)."""
    zone_id = promoter_zone_id(promoter)
    code = _live_code_of(promoter.id)
    if code is None:
        points.lock_user(promoter.id)  # one new code even when two requests race
        code = _live_code_of(promoter.id) or _issue_code(promoter, zone_id, None)
        db.session.commit()
    return code


def rotate_code(promoter: User, expires_in_days: int | None) -> EnrollmentCode:
    zone_id = promoter_zone_id(promoter)
    points.lock_user(promoter.id)
    _revoke_codes(promoter.id)
    code = _issue_code(promoter, zone_id, expires_in_days)
    db.session.commit()
    return code


def enroll_url(scene: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/enroll?scene={scene}"


def code_image(code: EnrollmentCode, fmt: str) -> tuple[bytes, str]:
    """PNG or SVG. With WeChat: its mini-program code (PNG, fetched once and kept).
    Without: a QR code of the enrollment link (segno)."""
    if wechat_configured(current_app.config) and fmt == "png":
        if code.wxacode is None:
            code.wxacode = get_wechat_client().get_wxacode_unlimit(
                code.scene,
                current_app.config["WECHAT_ENROLL_PAGE"],
                env_version=current_app.config["WECHAT_ENV_VERSION"],
            )
            db.session.commit()
        mimetype = "image/png" if code.wxacode.startswith(b"\x89PNG") else "image/jpeg"
        return code.wxacode, mimetype
    qr = segno.make(enroll_url(code.scene), error="m")
    from io import BytesIO

    buffer = BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        return buffer.getvalue(), "image/svg+xml"
    qr.save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue(), "image/png"


def code_view(code: EnrollmentCode) -> dict:
    return {
        "scene": code.scene,
        "zone_id": code.zone_id,
        "enroll_url": enroll_url(code.scene),
        "image_url": "/api/v1/promoter/qrcode?format=png",
        "expires_at": code.expires_at,
        "kind": "wxacode" if wechat_configured(current_app.config) else "qrcode",
    }


# ---- enrollment -------------------------------------------------------------------


def _location(values: Mapping[str, Any]) -> tuple[float, float]:
    lng, lat = geo.to_gcj02(values["longitude"], values["latitude"], values["coord_type"])
    return lng, lat


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
    lng, lat = _location(values)
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


# ---- events --------------------------------------------------------------------------


def create_event(promoter: User, values: Mapping[str, Any]) -> Event:
    zone_id = promoter_zone_id(promoter)
    if values["ends_at"] <= values["starts_at"]:
        raise _invalid("ends_at", "结束时间必须晚于开始时间")
    if values["ends_at"] <= utcnow():
        raise _invalid("ends_at", "活动已经结束")
    lng, lat = _location(values)
    event = Event(
        promoter_id=promoter.id,
        zone_id=zone_id,
        title=values["title"],
        description=values.get("description"),
        place_name=values.get("place_name"),
        lng=lng,
        lat=lat,
        radius_m=values["radius_m"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
    )
    db.session.add(event)
    db.session.commit()
    return event


def events_nearby(values: Mapping[str, Any]) -> list[dict]:
    """Current and upcoming events, nearest first when a location is given."""
    now = utcnow()
    rows = db.session.scalars(
        select(Event)
        .where(Event.ends_at > now, Event.cancelled.is_(False))
        .order_by(Event.starts_at, Event.id)
        .limit(500)
    )
    located = values.get("latitude") is not None and values.get("longitude") is not None
    if located:
        lng, lat = _location(values)
        limit_m = values["within_km"] * 1000
    items = []
    for event in rows:
        distance = geo.haversine_m(lng, lat, event.lng, event.lat) if located else None
        if located and distance > limit_m:
            continue
        items.append({"event": event, "distance_m": None if distance is None else round(distance)})
    if located:
        items.sort(key=lambda item: item["distance_m"])
    return items


def check_in_event(user: User, event_id: int, values: Mapping[str, Any]) -> dict:
    event = db.session.get(Event, event_id)
    if event is None or event.cancelled:
        raise NotFound("活动不存在")
    if not user.has_role("volunteer"):
        raise Forbidden("成为志愿者后才能参加活动签到")
    now = utcnow()
    if not event.starts_at <= now < event.ends_at:
        raise EventNotOpen()
    if values["accuracy"] > current_app.config["ENROLL_MAX_ACCURACY_M"]:
        raise LocationInaccurate()
    lng, lat = _location(values)
    distance = geo.haversine_m(lng, lat, event.lng, event.lat)
    if distance > event.radius_m + values["accuracy"]:
        # the zones' edge rule: accepted when the reported uncertainty reaches the circle
        raise OutsideEvent()
    points.lock_user(user.id)
    if db.session.scalar(
        select(EventCheckin.id).where(
            EventCheckin.event_id == event.id, EventCheckin.user_id == user.id
        )
    ):
        db.session.rollback()
        raise AlreadyCheckedInEvent()
    db.session.add(EventCheckin(event_id=event.id, user_id=user.id, distance_m=round(distance, 1)))
    result = points.award(user, "event_checkin", f"event:{event.id}", zone_id=event.zone_id)
    host = db.session.get(User, event.promoter_id)
    if host is not None and host.status == USER_ACTIVE and host.id != user.id:
        points.award(host, "event_host", f"event:{event.id}:{user.id}", zone_id=event.zone_id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyCheckedInEvent() from None
    return {
        "event_id": event.id,
        "points_awarded": result.awarded,
        "distance_m": round(distance, 1),
        "balance": user.points_balance,
    }
