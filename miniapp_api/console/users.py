"""用户管理: the directory search (GET /admin/users's), one user's file, and the officers'
actions on it — roles with zones, ban and unban with a reason, a points correction with a
reason — each through the admin API's use case, so each writes the same audit entry
(via console). A user outside a station admin's zones is a 404 page."""

from __future__ import annotations

import re
import uuid

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for

from miniapp_api.admin import service as directory
from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.errors import refusal_text
from miniapp_api.errors import AppError, NotFound
from miniapp_api.points import admin_service as points_admin
from miniapp_api.points.schemas import AdjustSchema
from miniapp_api.users import admin_service as users_admin
from miniapp_api.users.models import ACTIVE, BANNED, GRANTED_ROLES
from miniapp_api.users.schemas import BanSchema, UnbanSchema
from miniapp_api.zones import admin_service as zones_admin

OFFICERS = ("admin", "station_admin")
PER_PAGE = 20
ROLE_LABELS = {
    "resident": "居民",
    "volunteer": "志愿者",
    "promoter": "宣传员",
    "station_admin": "派出所管理员",
    "admin": "市级管理员",
}
STATUS_LABELS = {ACTIVE: "正常", BANNED: "已封禁"}
KEY = re.compile(r"[A-Za-z0-9_.:-]{1,48}")


def _search_args() -> dict:
    role, status = request.args.get("role", ""), request.args.get("status", "")
    return {
        "q": request.args.get("q", "").strip()[:64],
        "role": role if role in GRANTED_ROLES else "",
        "status": status if status in STATUS_LABELS else "",
    }


@console_bp.get("/users")
@officer_required(*OFFICERS)
def users():
    """Find users in the officer's reach; htmx asks for the results alone."""
    args = _search_args()
    page = max(1, min(request.args.get("page", 1, int), 10_000))
    found = directory.find_users(
        current_officer(), q=args["q"] or None, role=args["role"] or None,
        status=args["status"] or None, page=page, per_page=PER_PAGE,
    )  # fmt: skip
    context = {
        "active_section": "users",
        "rows": found.items,
        "total": found.total,
        "page": found.page,
        "per_page": PER_PAGE,
        "search": args,
        "args": {key: value for key, value in args.items() if value},
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "role_options": [("", "全部角色"), *((r, ROLE_LABELS[r]) for r in GRANTED_ROLES)],
        "status_options": [("", "全部状态"), *STATUS_LABELS.items()],
    }
    if request.headers.get("HX-Target") == "user-results":
        return render_template("console/users/_results.html", **context)
    return render_template("console/users/index.html", **context)


@console_bp.get("/users/<int:user_id>")
@officer_required(*OFFICERS)
def user_detail(user_id: int):
    """One user's file and the actions an officer may take on it."""
    officer = current_officer()
    file = directory.user_file(officer, user_id)
    zones = zones_admin.all_zones(officer, False, 1, 500).items
    context = {
        "active_section": "users",
        "file": file,
        "user": file.user,
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "grantable": [(r, ROLE_LABELS[r]) for r in _grantable(officer)],
        "zone_options": [("", "（不分区域）"), *((str(z.id), z.name) for z in zones)],
        "idempotency_key": uuid.uuid4().hex,
        "is_self": file.user.id == officer.id,
    }
    return render_template("console/users/detail.html", **context)


def _grantable(officer) -> tuple[str, ...]:
    return GRANTED_ROLES if officer.has_role("admin") else ("promoter",)


def _done(user_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("console.user_detail", user_id=user_id))


def _refused(user_id: int, exc: Exception):
    if isinstance(exc, NotFound):
        raise exc
    flash(refusal_text(exc), "error")
    return redirect(url_for("console.user_detail", user_id=user_id))


def _zone_ids() -> list[int]:
    return [int(z) for z in request.form.getlist("zone_id") if z.isdigit() and int(z) < 2**31]


@console_bp.post("/users/<int:user_id>/roles")
@officer_required(*OFFICERS)
def grant_role(user_id: int):
    """Grant a role (promoter and station_admin need a zone)."""
    role = request.form.get("role", "")
    try:
        if role not in GRANTED_ROLES:
            raise ma.ValidationError({"role": ["请选择要授予的角色"]})
        zones_admin.grant_role(user_id, role, _zone_ids(), current_officer())
    except (AppError, ma.ValidationError) as exc:
        return _refused(user_id, exc)
    return _done(user_id, f"已授予“{ROLE_LABELS[role]}”角色。")


@console_bp.post("/users/<int:user_id>/roles/<string:role>/revoke")
@officer_required(*OFFICERS)
def revoke_role(user_id: int, role: str):
    """Revoke a role and its zones."""
    try:
        if role not in GRANTED_ROLES:
            raise NotFound("角色不存在")
        zones_admin.revoke_role(user_id, role, current_officer())
    except (AppError, ma.ValidationError) as exc:
        return _refused(user_id, exc)
    return _done(user_id, f"已撤销“{ROLE_LABELS[role]}”角色。")


@console_bp.post("/users/<int:user_id>/ban")
@officer_required(*OFFICERS)
def ban_user(user_id: int):
    """Ban with a reason: every session and token of the user ends at once."""
    try:
        reason = BanSchema().load({"reason": request.form.get("reason", "").strip()})["reason"]
        users_admin.change_status(user_id, BANNED, current_officer(), reason)
    except (AppError, ma.ValidationError) as exc:
        return _refused(user_id, exc)
    return _done(user_id, "已封禁该用户。")


@console_bp.post("/users/<int:user_id>/unban")
@officer_required(*OFFICERS)
def unban_user(user_id: int):
    """Lift a ban (a reason is optional)."""
    try:
        given = request.form.get("reason", "").strip()
        reason = UnbanSchema().load({"reason": given} if given else {}).get("reason")
        users_admin.change_status(user_id, ACTIVE, current_officer(), reason)
    except (AppError, ma.ValidationError) as exc:
        return _refused(user_id, exc)
    return _done(user_id, "已解除封禁。")


@console_bp.post("/users/<int:user_id>/points")
@officer_required(*OFFICERS)
def adjust_points(user_id: int):
    """A points correction with a reason. The form's one-time key makes a second submit
    of the same form (a double click, a reload) change nothing."""
    raw = request.form.get("delta", "").strip()
    key = request.form.get("idempotency_key", "")
    try:
        if not re.fullmatch(r"[+-]?\d{1,7}", raw):
            raise ma.ValidationError({"delta": ["请填写整数积分（正数为增加，负数为扣减）"]})
        payload = AdjustSchema().load(
            {"delta": int(raw), "reason": request.form.get("reason", "").strip()}
        )
        result = points_admin.adjust(
            user_id, payload["delta"], payload["reason"], current_officer(),
            key if KEY.fullmatch(key) else None,
        )  # fmt: skip
    except (AppError, ma.ValidationError) as exc:
        return _refused(user_id, exc)
    return _done(user_id, f"积分已调整 {result.delta:+d}，当前余额 {result.balance}。")
