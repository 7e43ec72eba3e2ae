"""宣传员审核: the queue of promoter applications in the officer's zones (pending first,
filtered by status and zone) and the decisions, through the admin API's use case
(`decide_application`, audited `application.approve` / `application.reject`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.errors import refusal_text
from miniapp_api.errors import AppError, NotFound
from miniapp_api.input_guard import MAX_ID
from miniapp_api.storage import db
from miniapp_api.zones import admin_service as zones_admin
from miniapp_api.zones.models import APPLICATION_STATUSES, PromoterApplication

OFFICERS = ("admin", "station_admin")
PER_PAGE = 20
STATUS_LABELS = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}
ZONE_CHOICES = 500  # the zone filter lists at most this many zones


def masked(phone: str | None) -> str:
    """138****5621: enough to recognise an applicant, not to copy the number."""
    if not phone or len(phone) < 7:
        return "—"
    return f"{phone[:3]}****{phone[-4:]}"


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def _filters() -> dict:
    status = request.args.get("status", "")
    return {
        "status": status if status in APPLICATION_STATUSES else "",
        "zone_id": _int_arg("zone_id"),
    }


def _zone_options(officer) -> list[tuple[str, str]]:
    zones = zones_admin.all_zones(officer, False, 1, ZONE_CHOICES).items
    return [("", "全部区域"), *((str(zone.id), zone.name) for zone in zones)]


def _context(officer, filters: dict, page: int) -> dict:
    if filters["zone_id"] is not None:
        zones_admin.zone_in_reach(officer, filters["zone_id"])  # 404 outside the reach
    found = zones_admin.applications(
        officer, filters["status"] or None, page, PER_PAGE,
        zone_id=filters["zone_id"], pending_first=True,
    )  # fmt: skip
    return {
        "active_section": "promoters",
        "rows": found.items,
        "total": found.total,
        "page": found.page,
        "per_page": PER_PAGE,
        "filters": filters,
        "args": {key: value for key, value in filters.items() if value},
        "status_labels": STATUS_LABELS,
        "status_options": [("", "全部状态"), *STATUS_LABELS.items()],
        "zone_options": _zone_options(officer),
        "masked": masked,
    }


@console_bp.get("/promoters")
@officer_required(*OFFICERS)
def promoters():
    """The applications, pending first; htmx asks for the list alone."""
    page = max(1, min(request.args.get("page", 1, int), 10_000))
    context = _context(current_officer(), _filters(), page)
    if request.headers.get("HX-Target") == "application-list":
        return render_template("console/promoters/_list.html", **context)
    return render_template("console/promoters/index.html", **context)


def _decide(application_id: int, approve: bool):
    officer = current_officer()
    reason = (request.form.get("reason") or "").strip()[:200] or None
    error = None
    try:
        application = zones_admin.decide_application(application_id, approve, reason, officer)
    except NotFound:
        raise
    except AppError as exc:
        error = refusal_text(exc)
        application = _reloaded(application_id)
    if request.headers.get("HX-Request"):
        context = {"row": application, "error": error, "status_labels": STATUS_LABELS}
        html = render_template("console/promoters/_row.html", masked=masked, **context)
        return html, 422 if error else 200
    if error:
        flash(error, "error")
    else:
        verb = "通过" if approve else "驳回"
        flash(f"已{verb}{application.real_name}的宣传员申请。", "success")
    return redirect(request.referrer or url_for("console.promoters"))


def _reloaded(application_id: int) -> PromoterApplication:
    """The application as it stands after a refused decision (which checked the reach
    before anything else: only NOT_FOUND says it is outside)."""
    db.session.expire_all()
    return db.session.get(PromoterApplication, application_id)


@console_bp.post("/promoters/<int:application_id>/approve")
@officer_required(*OFFICERS)
def approve_application(application_id: int):
    """Approve: the applicant becomes a promoter for the zone."""
    return _decide(application_id, True)


@console_bp.post("/promoters/<int:application_id>/reject")
@officer_required(*OFFICERS)
def reject_application(application_id: int):
    """Reject with a reason the applicant sees (required)."""
    return _decide(application_id, False)
