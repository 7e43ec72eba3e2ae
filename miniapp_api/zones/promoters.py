"""Promoter applications, roles with zones, and enrollment codes."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import segno
from flask import current_app
from sqlalchemy import delete, or_, select

from miniapp_api.errors import Conflict, Forbidden, NotFound
from miniapp_api.storage import db, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client, wechat_configured
from miniapp_api.zones.errors import ApplicationDecided, ApplicationPending, NotPromoter, invalid
from miniapp_api.zones.fences import get_zone, managed_zone_ids, require_manages
from miniapp_api.zones.models import (
    ACTIVE,
    APPROVED,
    PENDING,
    REJECTED,
    REVOKED,
    Enrollment,
    EnrollmentCode,
    PromoterApplication,
    RoleZone,
)

SCENE_ALPHABET = string.ascii_letters + string.digits
SCENE_LENGTH = 22  # ~131 bits: unguessable, within WeChat's 32
ZONED_ROLES = ("promoter", "station_admin")


@use_case
def grant_role(user_id: int, role: str, zone_ids: list[int], officer: User) -> User:
    """Grant a role; `promoter` and `station_admin` need zones (only an admin grants)."""
    user = db.session.get(User, user_id)
    if user is None or user.status != USER_ACTIVE:
        raise NotFound("用户不存在")
    if role in ZONED_ROLES:
        if not zone_ids:
            raise invalid("zone_ids", "该角色必须指定区域")
        for zone_id in zone_ids:
            get_zone(zone_id, active_only=True)
    elif zone_ids:
        raise invalid("zone_ids", "该角色不分区域")
    users.grant_roles(user, [role], granted_by=officer)
    for zone_id in zone_ids:
        if db.session.get(RoleZone, (user.id, role, zone_id)) is None:
            db.session.add(RoleZone(user_id=user.id, role=role, zone_id=zone_id))
    refresh_points_zone(user)
    return user


@use_case
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
    refresh_points_zone(user)
    return user


def refresh_points_zone(user: User) -> None:
    """Keep `users.zone_id`, the zone a user's points count for, in step: where they
    enrolled, else their first promoter zone."""
    db.session.flush()
    zone_id = db.session.scalar(
        select(Enrollment.zone_id).where(Enrollment.volunteer_id == user.id)
    )
    if zone_id is None:
        zone_id = db.session.scalar(
            select(RoleZone.zone_id)
            .where(RoleZone.user_id == user.id, RoleZone.role == "promoter")
            .order_by(RoleZone.zone_id)
        )
    user.zone_id = zone_id


def user_roles_view(user: User) -> dict:
    zones = db.session.execute(
        select(RoleZone.role, RoleZone.zone_id).where(RoleZone.user_id == user.id)
    ).all()
    return {
        "id": user.id,
        "roles": user.roles,
        "zones": [{"role": role, "zone_id": zone_id} for role, zone_id in zones],
    }


@use_case
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


@use_case
def decide_application(
    application_id: int, approve: bool, reason: str | None, officer: User
) -> PromoterApplication:
    application = db.session.get(PromoterApplication, application_id)
    if application is None:
        raise NotFound("申请不存在")
    require_manages(officer, application.zone_id)
    if application.status != PENDING:
        raise ApplicationDecided()
    if not approve and not (reason or "").strip():
        raise invalid("reason", "驳回时请填写原因")
    application.status = APPROVED if approve else REJECTED
    application.reason = reason
    application.decided_by_id = officer.id
    application.decided_at = utcnow()
    if approve:
        applicant = application.user
        db.session.add(RoleZone(user_id=applicant.id, role="promoter", zone_id=application.zone_id))
        users.grant_roles(applicant, ["promoter"], granted_by=officer)
        refresh_points_zone(applicant)
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


@use_case
def current_code(promoter: User) -> EnrollmentCode:
    """The promoter's live code, issued on first use (or after the last one expired)."""
    zone_id = promoter_zone_id(promoter)
    code = _live_code_of(promoter.id)
    if code is None:
        users.lock(promoter.id)  # one new code even when two requests race
        code = _live_code_of(promoter.id) or _issue_code(promoter, zone_id, None)
    return code


@use_case
def rotate_code(promoter: User, expires_in_days: int | None) -> EnrollmentCode:
    zone_id = promoter_zone_id(promoter)
    users.lock(promoter.id)
    _revoke_codes(promoter.id)
    code = _issue_code(promoter, zone_id, expires_in_days)
    return code


def enroll_url(scene: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/enroll?scene={scene}"


@use_case
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
