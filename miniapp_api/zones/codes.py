"""Promoters' enrollment codes: the `scene` behind the QR or mini-program code, issued
on first use, rotated on request, and drawn as an image."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

import segno
from flask import current_app
from sqlalchemy import or_, select

from miniapp_api.storage import db, unit_of_work, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client, wechat_configured
from miniapp_api.zones.models import ACTIVE, REVOKED, EnrollmentCode
from miniapp_api.zones.promoters import promoter_zone_id

SCENE_ALPHABET = string.ascii_letters + string.digits
SCENE_LENGTH = 22  # ~131 bits: unguessable, within WeChat's 32
IMAGE_URL = "/api/v1/promoter/qrcode?format=png"


@dataclass(frozen=True)
class PromoterCode:
    """A promoter's live code, as the promoter's page shows it."""

    scene: str
    zone_id: int
    enroll_url: str
    image_url: str
    expires_at: datetime | None
    kind: str  # "wxacode" with WeChat configured, else "qrcode"


@dataclass(frozen=True)
class CodeImage:
    data: bytes
    mimetype: str


@use_case
def current_code(promoter: User) -> PromoterCode:
    """The promoter's live code, issued on first use (or after the last one expired)."""
    return _shown(_live_or_issued(promoter))


@use_case
def rotate_code(promoter: User, expires_in_days: int | None) -> PromoterCode:
    """Revoke the promoter's codes and issue a new one (`expires_in_days`: 0 never)."""
    zone_id = promoter_zone_id(promoter)
    users.lock(promoter.id)
    revoke_codes(promoter.id)
    return _shown(_issue(promoter, zone_id, expires_in_days))


def code_image(promoter: User, fmt: str) -> CodeImage:
    """The live code as PNG or SVG. With WeChat: its mini-program code (PNG, fetched once
    and kept); without: a QR code of the enrollment link (segno).

    Two units of work, so that no lock is held while WeChat answers: the live code
    (issued if need be), then keeping the image WeChat drew for it.
    """
    with unit_of_work():
        code = _live_or_issued(promoter)
        code_id, scene, image = code.id, code.scene, code.wxacode
    if not (wechat_configured(current_app.config) and fmt == "png"):
        return _qr_image(scene, fmt)
    if image is None:
        image = get_wechat_client().get_wxacode_unlimit(
            scene,
            current_app.config["WECHAT_ENROLL_PAGE"],
            env_version=current_app.config["WECHAT_ENV_VERSION"],
        )
        _keep_wxacode(code_id, image)
    return CodeImage(image, "image/png" if image.startswith(b"\x89PNG") else "image/jpeg")


def revoke_codes(promoter_id: int) -> None:
    """Revoke every live code of the promoter (a step of a use case)."""
    for code in db.session.scalars(
        select(EnrollmentCode).where(
            EnrollmentCode.promoter_id == promoter_id, EnrollmentCode.status == ACTIVE
        )
    ):
        code.status, code.revoked_at = REVOKED, utcnow()


def enroll_url(scene: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/enroll?scene={scene}"


def _shown(code: EnrollmentCode) -> PromoterCode:
    return PromoterCode(
        scene=code.scene,
        zone_id=code.zone_id,
        enroll_url=enroll_url(code.scene),
        image_url=IMAGE_URL,
        expires_at=code.expires_at,
        kind="wxacode" if wechat_configured(current_app.config) else "qrcode",
    )


def _live_or_issued(promoter: User) -> EnrollmentCode:
    zone_id = promoter_zone_id(promoter)
    code = _live_code_of(promoter.id)
    if code is None:
        users.lock(promoter.id)  # one new code even when two requests race
        code = _live_code_of(promoter.id) or _issue(promoter, zone_id, None)
    return code


def _live_code_of(promoter_id: int) -> EnrollmentCode | None:
    return db.session.scalar(
        select(EnrollmentCode)
        .where(
            EnrollmentCode.promoter_id == promoter_id,
            EnrollmentCode.status == ACTIVE,
            or_(EnrollmentCode.expires_at.is_(None), EnrollmentCode.expires_at > utcnow()),
        )
        .order_by(EnrollmentCode.id.desc())
    )


def _issue(promoter: User, zone_id: int, expires_in_days: int | None) -> EnrollmentCode:
    days = (
        current_app.config["ENROLLMENT_CODE_DAYS"] if expires_in_days is None else expires_in_days
    )
    code = EnrollmentCode(
        scene="".join(secrets.choice(SCENE_ALPHABET) for _ in range(SCENE_LENGTH)),
        promoter_id=promoter.id,
        zone_id=zone_id,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(code)
    db.session.flush()
    return code


@use_case
def _keep_wxacode(code_id: int, image: bytes) -> None:
    code = db.session.get(EnrollmentCode, code_id)
    if code is not None and code.wxacode is None:
        code.wxacode = image


def _qr_image(scene: str, fmt: str) -> CodeImage:
    qr = segno.make(enroll_url(scene), error="m")
    buffer = BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        return CodeImage(buffer.getvalue(), "image/svg+xml")
    qr.save(buffer, kind="png", scale=8, border=2)
    return CodeImage(buffer.getvalue(), "image/png")
