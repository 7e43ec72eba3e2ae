"""Promoters' outreach events and volunteers' on-site check-ins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from miniapp_api.errors import Forbidden
from miniapp_api.points import service as points
from miniapp_api.storage import db, get_or_404, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones import geo
from miniapp_api.zones.errors import (
    AlreadyCheckedInEvent,
    EventCancelled,
    EventNotOpen,
    EventOutsideZone,
    LocationInaccurate,
    OutsideEvent,
    invalid,
)
from miniapp_api.zones.fences import gcj02_location, zone_shape
from miniapp_api.zones.models import Event, EventCheckin
from miniapp_api.zones.promoters import promoter_zone_id
from miniapp_api.zones.screening import hidden_events, judge_event, keep_event

NEARBY_SCAN_LIMIT = 500  # current and upcoming events looked at per request


@dataclass(frozen=True)
class NearbyEvent:
    """An event and, when the caller gave a location, how far it is (whole metres)."""

    event: Event
    distance_m: int | None


@dataclass(frozen=True)
class CheckIn:
    """A volunteer's check-in: the points for it and their balance after it."""

    event_id: int
    points_awarded: int
    distance_m: float
    balance: int


@use_case
def create_event(promoter: User, values: Mapping[str, Any]) -> Event:
    """An event in the promoter's zone: a circle around a place that lies inside the
    zone or overlaps it, and a time window."""
    return new_event(promoter, promoter_zone_id(promoter), values)


def new_event(organiser: User, zone_id: int, values: Mapping[str, Any]) -> Event:
    """Add an event of `organiser` in `zone_id` once its window and circle pass (a step
    of a use case)."""
    check_window(values["starts_at"], values["ends_at"])
    lng, lat = gcj02_location(values)
    check_in_zone(zone_id, lng, lat, values["radius_m"])
    screening = judge_event(organiser, values)
    event = Event(
        promoter_id=organiser.id,
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
    keep_event(screening, event, organiser)
    return event


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """A window that ends after it starts, and has not ended yet."""
    if ends_at <= starts_at:
        raise invalid("ends_at", "结束时间必须晚于开始时间")
    if ends_at <= utcnow():
        raise invalid("ends_at", "活动已经结束")


def check_in_zone(zone_id: int, lng: float, lat: float, radius_m: float) -> None:
    """EVENT_OUTSIDE_ZONE unless the circle lies inside the zone or overlaps it (an
    inactive zone takes no events)."""
    shape = zone_shape(zone_id)
    if shape is None or not geo.circle_meets(shape, lng, lat, radius_m):
        raise EventOutsideZone()


def events_nearby(values: Mapping[str, Any]) -> list[NearbyEvent]:
    """Current and upcoming events; with a location, those within `within_km`, nearest
    first."""
    events = db.session.scalars(
        select(Event)
        .where(Event.ends_at > utcnow(), Event.cancelled.is_(False))
        .where(Event.id.not_in(hidden_events()))
        .order_by(Event.starts_at, Event.id)
        .limit(NEARBY_SCAN_LIMIT)
    )
    if values.get("latitude") is None or values.get("longitude") is None:
        return [NearbyEvent(event, None) for event in events]
    lng, lat = gcj02_location(values)
    limit_m = values["within_km"] * 1000
    measured = ((event, geo.haversine_m(lng, lat, event.lng, event.lat)) for event in events)
    nearby = [NearbyEvent(event, round(d)) for event, d in measured if d <= limit_m]
    return sorted(nearby, key=lambda item: item.distance_m)


def check_in_event(user: User, event_id: int, values: Mapping[str, Any]) -> CheckIn:
    """A volunteer checks in on site and on time, once: event points for them, the
    organiser's share for the organiser."""
    try:
        return _check_in(user, event_id, values)
    except IntegrityError:  # a parallel check-in by the same volunteer won
        raise AlreadyCheckedInEvent() from None


@use_case
def _check_in(user: User, event_id: int, values: Mapping[str, Any]) -> CheckIn:
    event = get_or_404(Event, event_id, "活动不存在")
    if event.cancelled:
        raise EventCancelled("活动已取消，不能签到")
    if not user.has_role("volunteer"):
        raise Forbidden("成为志愿者后才能参加活动签到")
    if event.promoter_id == user.id:
        raise Forbidden("组织者不能在自己的活动签到，签到积分只给来参加的志愿者")
    distance = _distance_on_site(event, values)
    users.lock(user.id)
    if db.session.scalar(
        select(EventCheckin.id).where(
            EventCheckin.event_id == event.id, EventCheckin.user_id == user.id
        )
    ):
        raise AlreadyCheckedInEvent()
    db.session.add(EventCheckin(event_id=event.id, user_id=user.id, distance_m=distance))
    result = points.award(user, "event_checkin", f"event:{event.id}", zone_id=event.zone_id)
    host = db.session.get(User, event.promoter_id)
    # The organiser's share is a promoter's: an officer's event earns its organiser nothing.
    if host is not None and host.status == USER_ACTIVE and host.has_role("promoter"):
        points.award(host, "event_host", f"event:{event.id}:{user.id}", zone_id=event.zone_id)
    return CheckIn(event.id, result.awarded, distance, user.points_balance)


def _distance_on_site(event: Event, values: Mapping[str, Any]) -> float:
    """Metres (to 0.1) from the event's centre, once the time window, the accuracy and
    the circle allow the check-in."""
    if not event.starts_at <= utcnow() < event.ends_at:
        raise EventNotOpen()
    if values["accuracy"] > current_app.config["ENROLL_MAX_ACCURACY_M"]:
        raise LocationInaccurate()
    lng, lat = gcj02_location(values)
    distance = geo.haversine_m(lng, lat, event.lng, event.lat)
    if distance > event.radius_m + values["accuracy"]:
        # the zones' edge rule: accepted when the reported uncertainty reaches the circle
        raise OutsideEvent()
    return round(distance, 1)


def export_events(user: User) -> dict:
    """The user's part of `GET /me/export`: the events they organised and the check-ins
    they made (the distance from the centre, never the location)."""
    organised = db.session.scalars(
        select(Event).where(Event.promoter_id == user.id).order_by(Event.id)
    )
    checkins = db.session.execute(
        select(EventCheckin.event_id, EventCheckin.distance_m, EventCheckin.created_at)
        .where(EventCheckin.user_id == user.id)
        .order_by(EventCheckin.id)
    )
    return {
        "organised": [
            {
                "id": event.id,
                "zone_id": event.zone_id,
                "title": event.title,
                "starts_at": event.starts_at,
                "ends_at": event.ends_at,
                "cancelled": event.cancelled,
            }
            for event in organised
        ],
        "checkins": [
            {"event_id": event_id, "distance_m": distance, "checked_in_at": at}
            for event_id, distance, at in checkins
        ],
    }
