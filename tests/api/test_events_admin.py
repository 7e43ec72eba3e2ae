"""Events through HTTP: one event for anyone, edits and cancellations by the organiser or
an officer of the event's zone (anyone else: 404), the officers' list, the zone rule
(`EVENT_OUTSIDE_ZONE`) and the audit entries."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.zones.geo import METRES_PER_DEGREE
from tests.factories import (
    ZONE_BOUNDS,
    ZONE_CENTRE,
    EnrollmentFactory,
    EventFactory,
    PromoterFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
    square,
)
from tests.helpers import assert_error

EVENTS, ADMIN_EVENTS = "/api/v1/events", "/api/v1/admin/events"
NORTH_EDGE = ZONE_BOUNDS[3]


def north_of_zone(metres: float) -> float:
    """The latitude `metres` north of the factories' zone's northern edge."""
    return NORTH_EDGE + metres / METRES_PER_DEGREE


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def new_event(client, headers, **values):
    now = utcnow()
    payload = {
        "title": "社区反诈宣传",
        "latitude": ZONE_CENTRE[1],
        "longitude": ZONE_CENTRE[0],
        "coord_type": "gcj02",
        "radius_m": 200,
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        **values,
    }
    return client.post(EVENTS, json=payload, headers=headers)


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory()


@pytest.fixture
def organiser(zone):
    return PromoterFactory(zone=zone)


@pytest.fixture
def event(organiser, clock):
    return EventFactory(promoter=organiser)


# ---- the zone rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "radius_m", "status"),
    [
        (ZONE_CENTRE[1], 200, 201),  # inside
        (north_of_zone(1000), 1500, 201),  # 1 km north, its circle reaches into the zone
        (north_of_zone(1000), 500, 422),  # 1 km north, 500 m circle: out of reach
        (north_of_zone(17_000), 5000, 422),  # 17 km away
    ],
)
def test_an_event_lies_inside_or_overlaps_the_organisers_zone(
    client, organiser, auth_headers, latitude, radius_m, status
):
    response = new_event(client, auth_headers(organiser), latitude=latitude, radius_m=radius_m)
    if status == 201:
        assert response.status_code == 201, response.get_json()
    else:
        body = assert_error(response, 422, "EVENT_OUTSIDE_ZONE")
        assert body["message"] == "活动范围必须在宣传员的服务区域内或与之相交"


def test_a_wgs84_place_is_converted_before_the_zone_rule(client, organiser, auth_headers):
    """The GCJ-02 shift near Cixi is about 500 m: the zone's centre given as WGS-84 is the
    same point as its GCJ-02 centre only once converted."""
    from miniapp_api.zones import geo

    lng, lat = geo.gcj02_to_wgs84(*ZONE_CENTRE)
    created = new_event(
        client, auth_headers(organiser), longitude=lng, latitude=lat, coord_type="wgs84"
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["longitude"] == pytest.approx(ZONE_CENTRE[0], abs=1e-5)


# ---- one event ----------------------------------------------------------------------------


def test_anyone_sees_one_event_cancelled_ones_too(client, event, organiser, auth_headers):
    shown = client.get(f"{EVENTS}/{event.id}")
    assert shown.status_code == 200
    body = shown.get_json()
    assert (body["id"], body["status"], body["cancelled"]) == (event.id, "current", False)
    assert body["cancelled_at"] is None and body["cancel_reason"] is None
    cancelled = client.delete(
        f"{EVENTS}/{event.id}", json={"reason": "  天气原因  "}, headers=auth_headers(organiser)
    )
    assert cancelled.status_code == 204
    body = client.get(f"{EVENTS}/{event.id}").get_json()
    assert (body["status"], body["cancelled"], body["cancel_reason"]) == (
        "cancelled",
        True,
        "天气原因",
    )
    assert body["cancelled_at"] is not None
    assert_error(client.get(f"{EVENTS}/999999"), 404, "NOT_FOUND")


def test_the_organiser_edits_the_event_and_the_edit_is_audited(
    client, event, organiser, auth_headers
):
    headers, title = auth_headers(organiser), event.title
    ends = event.ends_at + timedelta(hours=1)
    changed = client.patch(
        f"{EVENTS}/{event.id}",
        json={"title": "广场反诈宣传", "place_name": "文化广场", "ends_at": ends.isoformat()},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["title"], body["place_name"]) == ("广场反诈宣传", "文化广场")
    [entry] = entries("event.update")
    assert (entry.actor_id, entry.via, entry.object_type, entry.object_id, entry.zone_id) == (
        organiser.id,
        "api",
        "event",
        str(event.id),
        event.zone_id,
    )
    assert entry.changes["title"] == [title, "广场反诈宣传"]
    assert entry.changes["place_name"] == [None, "文化广场"]
    assert set(entry.changes) == {"title", "place_name", "ends_at"}


def test_a_moved_circle_is_checked_and_the_log_keeps_no_coordinates(
    client, event, organiser, auth_headers
):
    headers, url = auth_headers(organiser), f"{EVENTS}/{event.id}"
    far = {"latitude": north_of_zone(17_000), "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    assert_error(client.patch(url, json=far, headers=headers), 422, "EVENT_OUTSIDE_ZONE")
    grown = client.patch(url, json={**far, "radius_m": 5000}, headers=headers)
    assert_error(grown, 422, "EVENT_OUTSIDE_ZONE")
    too_small = {"latitude": north_of_zone(600), "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    assert_error(client.patch(url, json=too_small, headers=headers), 422, "EVENT_OUTSIDE_ZONE")
    moved = client.patch(url, json={**too_small, "radius_m": 800}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["latitude"] == pytest.approx(north_of_zone(600))
    [entry] = entries("event.update")
    assert entry.changes == {"radius_m": [200, 800], "place": ["previous", "moved"]}
    half = client.patch(url, json={"latitude": ZONE_CENTRE[1]}, headers=headers)
    body = assert_error(half, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["json"]) == {"longitude"}
    backwards = {"ends_at": (event.starts_at - timedelta(minutes=1)).isoformat()}
    assert_error(client.patch(url, json=backwards, headers=headers), 422, "VALIDATION_ERROR")


def test_only_the_organiser_and_officers_of_the_zone_edit_or_cancel(
    client, event, zone, auth_headers
):
    url, title, rename = f"{EVENTS}/{event.id}", event.title, {"title": "改个名字"}
    others = [
        UserFactory(),
        UserFactory(roles=["volunteer"]),
        PromoterFactory(zone=zone),  # another promoter of the same zone
        StationAdminFactory(),  # another zone's station admin
    ]
    for other in others:
        headers = auth_headers(other)
        assert_error(client.patch(url, json=rename, headers=headers), 404, "NOT_FOUND")
        assert_error(client.delete(url, headers=headers), 404, "NOT_FOUND")
    assert_error(client.patch(url, json=rename), 401, "UNAUTHORIZED")
    street = ZoneFactory(fence=square(*ZONE_BOUNDS))
    db.session.get(type(zone), zone.id).parent_id = street.id
    db.session.commit()
    above = StationAdminFactory(zone=street)  # the station of the zone above the event's
    edited = client.patch(url, json={"title": "派出所改的名字"}, headers=auth_headers(above))
    assert edited.status_code == 200, edited.get_json()
    admin = UserFactory(roles=["admin"])
    cancelled = client.delete(url, json={"reason": "场地取消"}, headers=auth_headers(admin))
    assert cancelled.status_code == 204
    [update], [cancel] = entries("event.update"), entries("event.cancel")
    assert (update.actor_id, update.changes) == (
        above.id,
        {"title": [title, "派出所改的名字"]},
    )
    assert (cancel.actor_id, cancel.reason, cancel.zone_id, cancel.changes) == (
        admin.id,
        "场地取消",
        zone.id,
        {"cancelled": [False, True]},
    )


def test_a_cancelled_event_keeps_its_check_ins_and_takes_no_more(
    client, event, organiser, auth_headers
):
    here = {
        "latitude": ZONE_CENTRE[1],
        "longitude": ZONE_CENTRE[0],
        "coord_type": "gcj02",
        "accuracy": 10,
    }
    url = f"{EVENTS}/{event.id}"
    first, second = (EnrollmentFactory(promoter=organiser).volunteer_id for _ in range(2))
    first_user = db.session.get(UserFactory._meta.model, first)
    checked = client.post(f"{url}/checkins", json=here, headers=auth_headers(first_user))
    assert checked.status_code == 201
    assert client.delete(url, headers=auth_headers(organiser)).status_code == 204
    again = client.delete(url, headers=auth_headers(organiser))
    assert again.status_code == 204  # cancelling twice changes nothing
    assert len(entries("event.cancel")) == 1
    assert entries("event.cancel")[0].reason is None
    late = db.session.get(UserFactory._meta.model, second)
    refused = client.post(f"{url}/checkins", json=here, headers=auth_headers(late))
    assert_error(refused, 409, "EVENT_CANCELLED")
    edit = client.patch(url, json={"title": "取消后改名"}, headers=auth_headers(organiser))
    assert_error(edit, 409, "EVENT_CANCELLED")
    db.session.expire_all()
    assert first_user.points_balance == 10  # the check-in's points stay
    assert client.get(EVENTS).get_json()["items"] == []  # no longer listed as upcoming


# ---- the officers' list --------------------------------------------------------------------


def test_officers_list_the_events_of_their_zones_with_check_in_counts(
    client, zone, organiser, auth_headers, clock
):
    now = utcnow()
    current = EventFactory(promoter=organiser)
    upcoming = EventFactory(promoter=organiser, starts_at=now + timedelta(days=1))
    past = EventFactory(promoter=organiser, starts_at=now - timedelta(days=2))
    cancelled = EventFactory(promoter=organiser, cancelled=True, starts_at=now - timedelta(days=1))
    community = ZoneFactory(parent_id=zone.id, kind="community")
    below = EventFactory(promoter=PromoterFactory(zone=community))
    elsewhere = EventFactory()
    here = {"latitude": ZONE_CENTRE[1], "longitude": ZONE_CENTRE[0]}
    for _ in range(2):
        volunteer = db.session.get(
            UserFactory._meta.model, EnrollmentFactory(promoter=organiser).volunteer_id
        )
        answer = client.post(
            f"{EVENTS}/{current.id}/checkins",
            json={**here, "coord_type": "gcj02", "accuracy": 10},
            headers=auth_headers(volunteer),
        )
        assert answer.status_code == 201
    station = auth_headers(StationAdminFactory(zone=zone))

    def listed(headers, query=""):
        response = client.get(f"{ADMIN_EVENTS}?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        items = response.get_json()["items"]
        return [(item["id"], item["status"], item["checkin_count"]) for item in items]

    assert listed(station) == [
        (upcoming.id, "upcoming", 0),
        (below.id, "current", 0),  # the same start: the later event first
        (current.id, "current", 2),
        (cancelled.id, "cancelled", 0),
        (past.id, "past", 0),
    ]
    now_on = [(below.id, "current", 0), (current.id, "current", 2)]
    assert listed(station, "status=current") == now_on
    assert listed(station, "status=cancelled") == [(cancelled.id, "cancelled", 0)]
    assert listed(station, "status=past") == [(past.id, "past", 0)]
    assert listed(station, f"zone_id={community.id}") == [(below.id, "current", 0)]
    everything = listed(auth_headers(UserFactory(roles=["admin"])))
    assert {event_id for event_id, _, _ in everything} == {
        current.id, upcoming.id, past.id, cancelled.id, below.id, elsewhere.id
    }  # fmt: skip
    other = auth_headers(StationAdminFactory())
    assert listed(other) == []
    assert_error(client.get(f"{ADMIN_EVENTS}?zone_id={zone.id}", headers=other), 404, "NOT_FOUND")
    for role in ([], ["volunteer"], ["promoter"]):
        refused = client.get(ADMIN_EVENTS, headers=auth_headers(UserFactory(roles=role)))
        assert_error(refused, 403, "FORBIDDEN")
    soon = client.get(f"{ADMIN_EVENTS}?status=soon", headers=station)
    assert_error(soon, 422, "VALIDATION_ERROR")


# ---- officers announce events for a zone ----------------------------------------------------


def zone_event(client, headers, zone_id, **values):
    now = utcnow()
    payload = {
        "zone_id": zone_id,
        "title": "派出所反诈讲座",
        "latitude": ZONE_CENTRE[1],
        "longitude": ZONE_CENTRE[0],
        "coord_type": "gcj02",
        "radius_m": 300,
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        **values,
    }
    return client.post(ADMIN_EVENTS, json=payload, headers=headers)


def test_an_officer_creates_an_event_for_a_zone_of_its_reach(client, zone, auth_headers):
    officer = StationAdminFactory(zone=zone)
    response = zone_event(client, auth_headers(officer), zone.id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["zone_id"], body["promoter_id"]) == (zone.id, officer.id)
    assert body["status"] == "upcoming"
    [entry] = entries("event.create")
    assert (entry.actor_id, entry.object_id) == (officer.id, str(body["id"]))
    assert entry.zone_id == zone.id
    assert entry.changes["title"] == [None, "派出所反诈讲座"]
    assert "lat" not in entry.changes and "lng" not in entry.changes
    far = zone_event(client, auth_headers(officer), zone.id, latitude=north_of_zone(5000))
    assert_error(far, 422, "EVENT_OUTSIDE_ZONE")
    foreign = zone_event(client, auth_headers(officer), ZoneFactory().id)
    assert_error(foreign, 404, "NOT_FOUND")
    assert_error(zone_event(client, auth_headers(officer), 999_999), 404, "NOT_FOUND")
    resident = zone_event(client, auth_headers(UserFactory()), zone.id)
    assert_error(resident, 403, "FORBIDDEN")
    assert len(entries("event.create")) == 1


def test_check_ins_at_an_officers_event_earn_the_officer_nothing(client, zone, auth_headers):
    officer = StationAdminFactory(zone=zone)
    created = zone_event(
        client,
        auth_headers(officer),
        zone.id,
        starts_at=(utcnow() - timedelta(hours=1)).isoformat(),
    )
    assert created.status_code == 201, created.get_json()
    volunteer = db.session.get(
        UserFactory._meta.model, EnrollmentFactory(promoter=PromoterFactory(zone=zone)).volunteer_id
    )
    here = {"latitude": ZONE_CENTRE[1], "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    answer = client.post(
        f"{EVENTS}/{created.get_json()['id']}/checkins",
        json={**here, "accuracy": 10},
        headers=auth_headers(volunteer),
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["points_awarded"] == 10
    db.session.expire_all()
    assert db.session.get(UserFactory._meta.model, officer.id).points_balance == 0
