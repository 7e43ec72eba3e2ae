"""/console/events: the events of the officer's zones (zone, time, organiser, check-ins),
announcing one for a zone of its reach (the admin API's use case, with its
EVENT_OUTSIDE_ZONE rule), one event's page and cancelling it (its check-ins stay). Another
zone's event is the 404 page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.forms import error_fields, form_input, load
from miniapp_api.errors import AppError
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones import admin_service
from miniapp_api.zones.admin_schemas import ZoneEventInputSchema
from miniapp_api.zones.event_admin import cancel_event as cancel
from miniapp_api.zones.event_admin import get_event
from miniapp_api.zones.models import EVENT_STATES, EventCheckin, Zone

PER_PAGE = 20
STATE_LABELS = {"upcoming": "未开始", "current": "进行中", "past": "已结束", "cancelled": "已取消"}
FIELDS = {
    "texts": ("title", "description", "place_name"),
    "integers": ("zone_id", "radius_m"),
    "numbers": ("latitude", "longitude"),
    "instants": ("starts_at", "ends_at"),
    "blank_is_none": ("description", "place_name"),
}


def zone_options(officer: User) -> list[tuple[int, str]]:
    """The active zones in the officer's reach, by name."""
    scope = admin_service.scope_of(officer)
    query = select(Zone.id, Zone.name).where(Zone.active.is_(True), scope.where(Zone.id))
    return [(zone_id, name) for zone_id, name in db.session.execute(query.order_by(Zone.name))]


def nicknames(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = select(User.id, User.nickname).where(User.id.in_(user_ids))
    return {
        user_id: nickname or f"用户 {user_id}" for user_id, nickname in db.session.execute(query)
    }


@console_bp.get("/events")
@officer_required()
def events():
    officer = current_officer()
    state = request.args.get("status") or None
    state = state if state in EVENT_STATES else None
    zone_id = request.args.get("zone_id", type=int)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = admin_service.admin_events(officer, state, zone_id, page, PER_PAGE)
    organisers = nicknames({item.event.promoter_id for item in found.items})
    args = {key: value for key, value in (("status", state), ("zone_id", zone_id)) if value}
    return render_template(
        "console/events/list.html",
        found=found,
        organisers=organisers,
        state=state,
        zone_id=zone_id,
        args=args,
        zone_choices=zone_options(officer),
        state_labels=STATE_LABELS,
        active_section="events",
    )


def render_form(values, errors, status=200):
    page = render_template(
        "console/events/form.html",
        values=values,
        errors=errors,
        zone_choices=zone_options(current_officer()),
        active_section="events",
    )
    return page, status


@console_bp.get("/events/new")
@officer_required()
def new_event():
    return render_form({"coord_type": "gcj02", "radius_m": 200}, {})


@console_bp.post("/events/new")
@officer_required()
def create_event():
    values = {**form_input(request.form, **FIELDS), "coord_type": "gcj02"}
    payload, errors = load(ZoneEventInputSchema(), values)
    if payload is not None:
        zone_id = payload.pop("zone_id")
        try:
            event = admin_service.create_zone_event(zone_id, payload, current_officer())
        except AppError as exc:
            errors = error_fields(exc)
        else:
            flash(f"已发布活动“{event.title}”。", "success")
            return redirect(url_for("console.event", event_id=event.id))
    return render_form(request.form, errors, 422)


def event_in_reach(event_id: int):
    """The event, if the officer's reach includes its zone (else the 404 page)."""
    event = get_event(event_id)
    admin_service.scope_of(current_officer()).require(event.zone_id, "活动不存在")
    return event


@console_bp.get("/events/<int:event_id>")
@officer_required()
def event(event_id: int):
    found = event_in_reach(event_id)
    count = db.session.scalar(select(db.func.count()).where(EventCheckin.event_id == found.id))
    return render_template(
        "console/events/detail.html",
        event=found,
        checkin_count=count,
        organiser=nicknames({found.promoter_id}).get(found.promoter_id, "—"),
        state_labels=STATE_LABELS,
        active_section="events",
    )


@console_bp.post("/events/<int:event_id>/cancel")
@officer_required()
def cancel_event(event_id: int):
    """Cancel with an optional reason (check-ins and their points stay)."""
    found = event_in_reach(event_id)
    reason = request.form.get("reason", "").strip()[:200] or None
    cancel(event_id, reason, current_officer())
    flash(f"已取消活动“{found.title}”，已有的签到和积分保留。", "success")
    return redirect(url_for("console.event", event_id=event_id))
