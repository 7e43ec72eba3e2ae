"""/console/rewards/desk: the pickup desk. One field, always focused: the officer types or
scans a pickup code (a USB scanner types it and presses Enter), sees the redemption, and a
second Enter in the empty field (or the focused button) hands it out; a new code typed
instead looks that one up. A station admin reaches only its zones' redemptions: another
zone's code is "not found", as the admin API's `?code=` answers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.errors import AppError, NotFound
from miniapp_api.rewards import admin_service
from miniapp_api.rewards.models import PENDING, Redemption
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones.fences import zone_names

CODE_MAX = 32
STATUS_LABELS = {"pending": "待领取", "fulfilled": "已领取", "cancelled": "已取消"}
NOT_FOUND = "未找到该领取码：请核对后重新输入（只能查到本辖区的兑换）"


def normalised(code: str | None) -> str:
    return (code or "").strip().upper()[:CODE_MAX]


def find(code: str) -> Redemption | None:
    """The redemption with this pickup code in the officer's reach (the API's `?code=`)."""
    found = admin_service.redemptions(current_officer(), None, code, 1, 1)
    return found.items[0] if found.items else None


def render_desk(
    redemption: Redemption | None = None,
    code: str = "",
    error: str | None = None,
    status: int = 200,
):
    """The desk, showing `redemption` (looked up by `code`) or the error; 404 when the
    code finds nothing in reach, 409 when it was already handed out or cancelled."""
    if code and redemption is None:
        error, status = error or NOT_FOUND, 404
    elif redemption is not None and redemption.status != PENDING:
        error = error or f"该兑换{STATUS_LABELS[redemption.status]}，不能再发放"
        status = 409
    zone_name = zone_names([redemption.zone_id]).get(redemption.zone_id) if redemption else None
    resident = db.session.get(User, redemption.user_id) if redemption else None
    page = render_template(
        "console/rewards/desk.html",
        redemption=redemption,
        code=code,
        error=error,
        zone_name=zone_name,
        resident=resident,
        status_labels=STATUS_LABELS,
        active_section="rewards",
    )
    return page, status


@console_bp.get("/rewards/desk")
@officer_required()
def desk():
    code = normalised(request.args.get("code"))
    return render_desk(find(code) if code else None, code)


@console_bp.post("/rewards/desk/<int:redemption_id>/fulfil")
@officer_required()
def desk_fulfil(redemption_id: int):
    """Hand the reward out; a different code typed in the field is looked up instead."""
    typed = normalised(request.form.get("code"))
    expected = normalised(request.form.get("expected"))
    if typed and typed != expected:
        return redirect(url_for("console.desk", code=typed))
    try:
        redemption = admin_service.fulfil(redemption_id, current_officer())
    except NotFound:
        return render_desk(None, expected or "?", NOT_FOUND)
    except AppError as exc:
        found = find(expected) if expected else None
        return render_desk(found, expected, exc.message, exc.status_code)
    flash(
        f"已发放：{redemption.reward.name}（领取码 {redemption.code}），请扫描下一位。", "success"
    )
    return redirect(url_for("console.desk"))


@console_bp.post("/rewards/desk/<int:redemption_id>/cancel")
@officer_required()
def desk_cancel(redemption_id: int):
    """Cancel a pending redemption: the points and the unit of stock go back."""
    expected = normalised(request.form.get("expected"))
    try:
        redemption = admin_service.cancel(redemption_id, current_officer())
    except NotFound:
        return render_desk(None, expected or "?", NOT_FOUND)
    except AppError as exc:
        found = find(expected) if expected else None
        return render_desk(found, expected, exc.message, exc.status_code)
    flash(f"已取消兑换 {redemption.code}：积分和库存已退回。", "success")
    return redirect(url_for("console.desk"))
