"""Promoters' outreach events and volunteers' on-site check-ins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from miniapp_api.common_fields import Merged
from miniapp_api.errors import Forbidden, NotFound
from miniapp_api.points import service as points
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones import geo
from miniapp_api.zones.errors import (
    AlreadyCheckedInEvent,
    EventNotOpen,
    LocationInaccurate,
    OutsideEvent,
    invalid,
)
from miniapp_api.zones.fences import gcj02_location
from miniapp_api.zones.models import (
    Event,
    EventCheckin,
)
from miniapp_api.zones.promoters import promoter_zone_id


@use_case
def create_event(promoter: User, values: Mapping[str, Any]) -> Event:
    zone_id = promoter_zone_id(promoter)
    if values["ends_at"] <= values["starts_at"]:
        raise invalid("ends_at", "结束时间必须晚于开始时间")
    if values["ends_at"] <= utcnow():
        raise invalid("ends_at", "活动已经结束")
    lng, lat = gcj02_location(values)
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
    return event


def events_nearby(values: Mapping[str, Any]) -> list[Merged]:
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
        lng, lat = gcj02_location(values)
        limit_m = values["within_km"] * 1000
    items = []
    for event in rows:
        distance = geo.haversine_m(lng, lat, event.lng, event.lat) if located else None
        if located and distance > limit_m:
            continue
        items.append(Merged(event, distance_m=None if distance is None else round(distance)))
    if located:
        items.sort(key=lambda item: item.distance_m)
    return items


def check_in_event(user: User, event_id: int, values: Mapping[str, Any]) -> dict:
    """A volunteer checks in on site and on time, once: event points for them, the
    organiser's share for the organiser."""
    try:
        return _check_in(user, event_id, values)
    except IntegrityError:  # a parallel check-in by the same volunteer won
        raise AlreadyCheckedInEvent() from None


@use_case
def _check_in(user: User, event_id: int, values: Mapping[str, Any]) -> dict:
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
    lng, lat = gcj02_location(values)
    distance = geo.haversine_m(lng, lat, event.lng, event.lat)
    if distance > event.radius_m + values["accuracy"]:
        # the zones' edge rule: accepted when the reported uncertainty reaches the circle
        raise OutsideEvent()
    users.lock(user.id)
    if db.session.scalar(
        select(EventCheckin.id).where(
            EventCheckin.event_id == event.id, EventCheckin.user_id == user.id
        )
    ):
        raise AlreadyCheckedInEvent()
    db.session.add(EventCheckin(event_id=event.id, user_id=user.id, distance_m=round(distance, 1)))
    result = points.award(user, "event_checkin", f"event:{event.id}", zone_id=event.zone_id)
    host = db.session.get(User, event.promoter_id)
    if host is not None and host.status == USER_ACTIVE and host.id != user.id:
        points.award(host, "event_host", f"event:{event.id}:{user.id}", zone_id=event.zone_id)
    return {
        "event_id": event.id,
        "points_awarded": result.awarded,
        "distance_m": round(distance, 1),
        "balance": user.points_balance,
    }
