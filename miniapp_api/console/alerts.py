"""/console/alerts: warnings (预警). An admin publishes city-wide or local warnings and sees
every alert; a station admin publishes, edits, expires and takes down the local warnings
of its zones only (a city-wide one is an admin's: 403; another station's: 404). Trends
(weekly figures) are listed here and written through the API or the content files.
Every write is the admin API's use case, audited `via: console`."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.articles import admin_service
from miniapp_api.articles.admin_schemas import AlertInputSchema
from miniapp_api.articles.models import TREND, WARNING, Alert
from miniapp_api.categories import service as fraud_types
from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.pages import as_utc, instant, load_form, local_input, service_errors
from miniapp_api.errors import Conflict, ValidationFailed
from miniapp_api.timeutil import utcnow
from miniapp_api.zones import admin_service as zones_admin

OFFICERS = ("admin", "station_admin")
PER_PAGE = 20
ZONE_CHOICES = 500
LEVEL_LABELS = {"high": "高", "medium": "中", "low": "低"}
STATE_LABELS = {"published": "已发布", "scheduled": "定时发布", "archived": "已下线"}
TEXT_FIELDS = ("slug", "level", "title", "summary", "body", "category")


def alert_data(form) -> dict[str, Any]:
    """The warning form as the admin API's alert schema reads it."""
    data: dict[str, Any] = {key: form.get(key, "").strip() or None for key in TEXT_FIELDS}
    data["kind"] = WARNING
    data["published_at"] = instant(form.get("published_at")) or utcnow().isoformat()
    data["expires_at"] = instant(form.get("expires_at"))
    data["zone_ids"] = [int(z) for z in form.getlist("zone_ids") if z.isdigit()]
    return data


def current_values(alert: Alert) -> dict[str, Any]:
    return {
        "slug": alert.slug,
        "level": alert.level,
        "title": alert.title,
        "summary": alert.summary,
        "body": alert.body_markdown or "",
        "category": alert.category.slug if alert.category else "",
        "published_at": local_input(alert.published_at),
        "expires_at": local_input(alert.expires_at),
        "zone_ids": [str(z) for z in alert.zone_ids],
    }


def page_context(officer, values: dict, errors: dict, **extra: Any) -> dict:
    zones = zones_admin.all_zones(officer, False, 1, ZONE_CHOICES).items
    return {
        "active_section": "articles",
        "values": values,
        "errors": errors,
        "citywide": officer.has_role("admin"),
        "zone_options": [(z.id, z.name) for z in zones if z.active],
        "zone_names": {z.id: z.name for z in zones},
        "level_options": list(LEVEL_LABELS.items()),
        "level_labels": LEVEL_LABELS,
        "state_labels": STATE_LABELS,
        "category_options": [("", "（不限）")]
        + [(c.slug, c.name) for c in fraud_types.in_display_order()],
        "now": utcnow(),
        **extra,
    }


def form_values(form) -> dict[str, Any]:
    return {**form.to_dict(), "zone_ids": form.getlist("zone_ids")}


def listing(officer, values: dict, errors: dict):
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = admin_service.admin_alerts(officer, None, page, PER_PAGE)
    context = page_context(officer, values, errors, found=found)
    return render_template("console/articles/alerts.html", **context)


@console_bp.get("/alerts")
@officer_required(*OFFICERS)
def alerts():
    """The alerts the officer may edit, and the form for a new warning."""
    default = {"level": "high", "published_at": local_input(utcnow())}
    return listing(current_officer(), default, {})


@console_bp.post("/alerts")
@officer_required(*OFFICERS)
def create_alert():
    officer = current_officer()
    values, errors = load_form(AlertInputSchema(), alert_data(request.form))
    if values is not None:
        try:
            alert = admin_service.create_alert(values, officer)
        except (ValidationFailed, Conflict) as exc:
            errors = service_errors(exc)
        else:
            flash(f"已发布预警“{alert.title}”。", "success")
            return redirect(url_for("console.alerts"))
    return listing(officer, form_values(request.form), errors), 422


@console_bp.get("/alerts/<int:alert_id>")
@officer_required(*OFFICERS)
def alert(alert_id: int):
    officer = current_officer()
    found = admin_service.get_alert(alert_id, officer)
    context = page_context(officer, current_values(found), {}, alert=found)
    return render_template("console/articles/alert.html", **context)


@console_bp.post("/alerts/<int:alert_id>")
@officer_required(*OFFICERS)
def update_alert(alert_id: int):
    officer = current_officer()
    found = admin_service.get_alert(alert_id, officer)
    errors = {"_": "趋势数据请通过接口或内容文件修改"} if found.kind == TREND else {}
    values = None
    if not errors:
        values, errors = load_form(AlertInputSchema(), alert_data(request.form))
    if values is not None:
        try:
            admin_service.replace_alert(alert_id, values, officer)
        except (ValidationFailed, Conflict) as exc:
            errors = service_errors(exc)
        else:
            flash("预警已保存。", "success")
            return redirect(url_for("console.alert", alert_id=alert_id))
    context = page_context(officer, form_values(request.form), errors, alert=found)
    return render_template("console/articles/alert.html", **context), 422


@console_bp.post("/alerts/<int:alert_id>/expire")
@officer_required(*OFFICERS)
def expire_alert(alert_id: int):
    """End a published warning now (its `expires_at`): it leaves the mini-program's list."""
    officer = current_officer()
    found = admin_service.get_alert(alert_id, officer)
    now = utcnow()
    if found.kind != WARNING or found.published_at is None or as_utc(found.published_at) > now:
        flash("只有已发布的预警可以设为到期；未发布的请直接下线。", "error")
        return redirect(url_for("console.alert", alert_id=alert_id))
    values = {**current_values(found), "kind": WARNING, "published_at": found.published_at}
    values.update(expires_at=now, zone_ids=found.zone_ids, category=values["category"] or None)
    admin_service.replace_alert(alert_id, values, officer)
    flash("预警已到期，小程序不再显示。", "success")
    return redirect(url_for("console.alert", alert_id=alert_id))


@console_bp.post("/alerts/<int:alert_id>/archive")
@officer_required(*OFFICERS)
def archive_alert(alert_id: int):
    admin_service.archive_alert(alert_id, current_officer())
    flash("预警已下线。", "success")
    return redirect(url_for("console.alerts"))
