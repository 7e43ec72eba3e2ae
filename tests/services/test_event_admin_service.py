"""The events' use cases without HTTP: the zone rule on creation and on edit, who may edit
and cancel, what a cancellation keeps, the officers' list and the audit entries."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.errors import NotFound, ValidationFailed
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones import admin_service, service
from miniapp_api.zones.errors import EventCancelled, EventOutsideZone
from miniapp_api.zones.geo import METRES_PER_DEGREE
from miniapp_api.zones.models import EventCheckin, Zone
from tests.factories import (
    ZONE_BOUNDS,
    ZONE_CENTRE,
    EnrollmentFactory,
    EventFactory,
    PromoterFactory,
    StationAdminFactory,
    UserFactory,
)

NORTH = ZONE_BOUNDS[3]


def place(north_of_zone_m: float | None = None, **values):
    """An event's fields; its centre `north_of_zone_m` north of the zone's northern edge,
    else the zone's centre."""
    lat = ZONE_CENTRE[1] if north_of_zone_m is None else NORTH + north_of_zone_m / METRES_PER_DEGREE
    return {
        "title": "反诈宣传",
        "latitude": lat,
        "longitude": ZONE_CENTRE[0],
        "coord_type": "gcj02",
        "radius_m": 200,
        "starts_at": utcnow() + timedelta(hours=1),
        "ends_at": utcnow() + timedelta(hours=2),
        **values,
    }


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def promoter(app_ctx, clock):
    return PromoterFactory()


def test_create_checks_the_circle_against_the_organisers_zone(promoter):
    assert service.create_event(promoter, place()).zone_id == promoter.zone_id
    assert service.create_event(promoter, place(1000, radius_m=1200)).radius_m == 1200
    with pytest.raises(EventOutsideZone):
        service.create_event(promoter, place(1000, radius_m=900))
    with pytest.raises(EventOutsideZone):
        service.create_event(promoter, place(17_000, radius_m=5000))


def test_an_inactive_zone_takes_no_events(promoter):
    zone = db.session.get(Zone, promoter.zone_id)
    zone.active = False
    zone.updated_at = utcnow() + timedelta(seconds=1)  # the index notices the change
    db.session.commit()
    with pytest.raises(EventOutsideZone):
        service.create_event(promoter, place())


def test_an_edit_rechecks_the_zone_and_changes_nothing_when_refused(promoter):
    event = EventFactory(promoter=promoter)
    title = event.title
    far = {"latitude": NORTH + 0.1, "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    with pytest.raises(EventOutsideZone):
        service.update_event(event.id, {**far, "title": "搬走"}, promoter)
    db.session.expire_all()
    assert (event.lat, event.title) == (ZONE_CENTRE[1], title)
    assert audit("event.update") == []
    with pytest.raises(ValidationFailed):
        service.update_event(event.id, {"ends_at": utcnow() - timedelta(minutes=1)}, promoter)


def test_an_empty_or_same_edit_records_nothing(promoter):
    event = EventFactory(promoter=promoter)
    service.update_event(event.id, {}, promoter)
    service.update_event(event.id, {"title": event.title, "radius_m": event.radius_m}, promoter)
    assert audit("event.update") == []


def test_who_may_edit(promoter):
    event = EventFactory(promoter=promoter)
    station = StationAdminFactory(zone=db.session.get(Zone, event.zone_id))
    assert service.update_event(event.id, {"title": "民警改名"}, station).title == "民警改名"
    for stranger in (UserFactory(), PromoterFactory(), StationAdminFactory()):
        with pytest.raises(NotFound):
            service.update_event(event.id, {"title": "别人改名"}, stranger)
        with pytest.raises(NotFound):
            service.cancel_event(event.id, None, stranger)
    demoted = PromoterFactory()
    own = EventFactory(promoter=demoted)
    demoted.role_grants.clear()
    db.session.commit()
    with pytest.raises(NotFound):  # an organiser who lost the role is a stranger too
        service.update_event(own.id, {"title": "旧的活动"}, demoted)


def test_a_cancellation_keeps_check_ins_and_refuses_new_ones(promoter, clock):
    event = EventFactory(promoter=promoter)
    volunteer = db.session.get(User, EnrollmentFactory(promoter=promoter).volunteer_id)
    here = {"latitude": ZONE_CENTRE[1], "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    service.check_in_event(volunteer, event.id, {**here, "accuracy": 10})
    service.cancel_event(event.id, "  暴雨  ", promoter)
    service.cancel_event(event.id, "又取消一次", promoter)
    db.session.expire_all()
    assert (event.cancelled, event.cancel_reason, event.cancelled_at) == (True, "暴雨", utcnow())
    [entry] = audit("event.cancel")
    assert (entry.reason, entry.zone_id, entry.changes) == (
        "暴雨",
        event.zone_id,
        {"cancelled": [False, True]},
    )
    count = select(func.count()).where(EventCheckin.event_id == event.id)
    assert db.session.scalar(count) == 1
    assert service.get_event(event.id).state == "cancelled"
    late = db.session.get(User, EnrollmentFactory(promoter=promoter).volunteer_id)
    with pytest.raises(EventCancelled):
        service.check_in_event(late, event.id, {**here, "accuracy": 10})
    with pytest.raises(EventCancelled):
        service.update_event(event.id, {"title": "复活"}, promoter)


def test_the_officers_list_is_scoped_and_filtered(promoter, clock):
    mine = EventFactory(promoter=promoter)
    EventFactory()  # another zone's
    station = StationAdminFactory(zone=db.session.get(Zone, mine.zone_id))
    page = admin_service.admin_events(station, None, None, 1, 20)
    assert [(item.event.id, item.checkin_count) for item in page.items] == [(mine.id, 0)]
    assert page.total == 1
    assert admin_service.admin_events(station, "upcoming", None, 1, 20).items == []
    clock.advance(hours=3)
    assert [i.event.id for i in admin_service.admin_events(station, "past", None, 1, 20).items] == [
        mine.id
    ]
    with pytest.raises(NotFound):
        admin_service.admin_events(StationAdminFactory(), None, mine.zone_id, 1, 20)
    with pytest.raises(NotFound):
        admin_service.admin_events(station, None, 999_999, 1, 20)
