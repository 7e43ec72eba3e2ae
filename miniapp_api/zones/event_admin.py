"""One event, as anyone sees it; editing and cancelling it (its organiser, or an officer
whose reach includes its zone: anyone else is told it does not exist); officers' list
of the events in their zones. Edits and cancellations are audited, the organiser's too.

A cancelled event stays visible (with `cancelled: true`); its check-ins and their points
stay, and it takes no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from miniapp_api.audit.service import audited, changes_since, nothing_changed, record, snapshot
from miniapp_api.errors import NotFound
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones.errors import EventCancelled, invalid
from miniapp_api.zones.events import check_in_zone, check_window, new_event
from miniapp_api.zones.fences import gcj02_location, get_zone
from miniapp_api.zones.models import Event, EventCheckin
from miniapp_api.zones.scope import scope_of, subtree
from miniapp_api.zones.screening import EVENT_FIELDS as TEXT_FIELDS
from miniapp_api.zones.screening import is_hidden, judge_event, keep_event

NOT_FOUND = "活动不存在"
# What the audit log keeps of an event: no coordinates (a moved centre is only noted).
EVENT_FIELDS = ("title", "description", "place_name", "radius_m", "starts_at", "ends_at")
PLACE = ("latitude", "longitude", "coord_type")


@dataclass(frozen=True)
class AdminEvent:
    """An event with its number of check-ins."""

    event: Event
    checkin_count: int


def get_event(event_id: int) -> Event:
    """Any event, cancelled ones included."""
    return get_or_404(Event, event_id, NOT_FOUND)


@audited
def create_zone_event(zone_id: int, values: Mapping[str, Any], actor: User) -> Event:
    """An officer's event in a zone of its reach, organised by the officer: the same rules
    as a promoter's (a circle inside or overlapping the zone, a window not yet over)."""
    get_zone(zone_id)
    scope_of(actor).require(zone_id, "区域不存在")
    event = new_event(actor, zone_id, values)
    db.session.flush()
    changes = {key: [None, value] for key, value in snapshot(event, EVENT_FIELDS).items()}
    record(actor, "event.create", "event", event.id, zone_id=zone_id, changes=changes)
    return event


def public_event(event_id: int) -> Event:
    """Any event as anyone sees it: one held for content review does not exist."""
    return get_or_404(Event, event_id, NOT_FOUND, visible=lambda event: not is_hidden(event))


def _editable(event_id: int, actor: User) -> Event:
    """The event, if `actor` organised it (and is still a promoter) or is an officer whose
    reach includes its zone; NOT_FOUND otherwise, with no hint that it exists."""
    event = get_event(event_id)
    organiser = event.promoter_id == actor.id and actor.has_role("promoter")
    officer = actor.has_role("admin", "station_admin") and scope_of(actor).covers(event.zone_id)
    if not (organiser or officer):
        raise NotFound(NOT_FOUND)
    return event


@audited
def update_event(event_id: int, values: Mapping[str, Any], actor: User) -> Event:
    """Change the title, description, place, time window or circle; a moved or resized
    circle must still lie inside or overlap the event's zone."""
    event = _editable(event_id, actor)
    if event.cancelled:
        raise EventCancelled("活动已取消，不能再修改")
    values = dict(values)
    before = snapshot(event, EVENT_FIELDS)
    if "starts_at" in values or "ends_at" in values:
        check_window(values.get("starts_at", event.starts_at), values.get("ends_at", event.ends_at))
    moved = _move(event, values)
    for key in EVENT_FIELDS:
        if key in values:
            setattr(event, key, values[key])
    if moved or "radius_m" in values:
        check_in_zone(event.zone_id, event.lng, event.lat, event.radius_m)
    if any(before[key] != getattr(event, key) for key in TEXT_FIELDS):
        keep_event(judge_event(actor, snapshot(event, TEXT_FIELDS)), event, actor)
    changes = changes_since(before, event)
    if moved:
        changes["place"] = ["previous", "moved"]
    if not changes:
        nothing_changed()
        return event
    record(actor, "event.update", "event", event.id, zone_id=event.zone_id, changes=changes)
    return event


def _move(event: Event, values: dict[str, Any]) -> bool:
    """Set a new centre when one is given (latitude, longitude and coord_type together);
    True when it moved."""
    given = [key for key in PLACE if key in values]
    if not given:
        return False
    missing = [key for key in PLACE if key not in values]
    if missing:
        raise invalid(missing[0], "移动活动地点时必须同时提供经纬度和坐标系")
    lng, lat = gcj02_location(values)
    if (lng, lat) == (event.lng, event.lat):
        return False
    event.lng, event.lat = lng, lat
    return True


@audited
def cancel_event(event_id: int, reason: str | None, actor: User) -> None:
    """Cancel with an optional reason; cancelling again changes nothing."""
    event = _editable(event_id, actor)
    if event.cancelled:
        nothing_changed()
        return
    reason = (reason or "").strip() or None
    event.cancelled, event.cancelled_at, event.cancel_reason = True, utcnow(), reason
    changes = {"cancelled": [False, True]}
    record(
        actor,
        "event.cancel",
        "event",
        event.id,
        zone_id=event.zone_id,
        reason=reason,
        changes=changes,
    )


def _state_filter(state: str):
    now = utcnow()
    live = Event.cancelled.is_(False)
    return {
        "cancelled": Event.cancelled.is_(True),
        "upcoming": and_(live, Event.starts_at > now),
        "current": and_(live, Event.starts_at <= now, Event.ends_at > now),
        "past": and_(live, Event.ends_at <= now),
    }[state]


def admin_events(
    officer: User, state: str | None, zone_id: int | None, page: int, per_page: int
) -> Page:
    """Events in the officer's reach (of one zone and the zones below it, if given),
    latest start first, each with its number of check-ins."""
    scope = scope_of(officer)
    checkins = (
        select(func.count())
        .where(EventCheckin.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    query = select(Event, checkins).where(scope.where(Event.zone_id))
    if zone_id is not None:
        get_zone(zone_id)
        scope.require(zone_id, "区域不存在")
        query = query.where(Event.zone_id.in_(subtree({zone_id})))
    if state:
        query = query.where(_state_filter(state))
    ordered = query.order_by(Event.starts_at.desc(), Event.id.desc())
    found = paginate(ordered, page, per_page, scalars=False)
    items = [AdminEvent(event, count) for event, count in found.items]
    return Page(items, found.page, found.per_page, found.total)
