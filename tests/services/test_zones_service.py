"""The zones use cases called directly (no HTTP): enrollment and its two units of work,
event check-ins, and deciding promoter applications."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.errors import Forbidden, NotFound, ValidationFailed
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones import admin_service, service
from miniapp_api.zones.errors import (
    AlreadyCheckedInEvent,
    AlreadyEnrolled,
    ApplicationDecided,
    EventCancelled,
    EventNotOpen,
    LocationImplausible,
    OutsideEvent,
    OutsideZone,
)
from miniapp_api.zones.geo import METRES_PER_DEGREE
from miniapp_api.zones.models import Enrollment, EventCheckin, RoleZone, ScanPosition
from miniapp_api.zones.schemas import CheckinResultSchema, EnrollResultSchema
from tests.factories import (
    ZONE_BOUNDS,
    ZONE_CENTRE,
    EnrollmentCodeFactory,
    EnrollmentFactory,
    EventFactory,
    PromoterFactory,
    RoleZoneFactory,
    UserFactory,
    ZoneFactory,
    square,
)

NORTH = ZONE_BOUNDS[3]


def north_of(lat: float, metres: float) -> float:
    return lat + metres / METRES_PER_DEGREE


def location(lng=ZONE_CENTRE[0], lat=ZONE_CENTRE[1], accuracy=15.0, **values) -> dict:
    return {
        "longitude": lng,
        "latitude": lat,
        "coord_type": "gcj02",
        "accuracy": accuracy,
        **values,
    }


def ledger(user_id: int) -> list[tuple[str, int, int | None]]:
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.delta, PointsEntry.zone_id)
        .where(PointsEntry.user_id == user_id)
        .order_by(PointsEntry.id)
    )
    return [tuple(row) for row in rows]


def reloaded(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- enroll -------------------------------------------------------------------------------


def test_enrolling_inside_makes_a_volunteer_and_pays_both_sides(app_ctx, clock):
    code = EnrollmentCodeFactory()
    zone_id, promoter_id = code.zone_id, code.promoter_id
    volunteer = UserFactory()

    enrolled = service.enroll(volunteer, location(scene=code.scene))

    assert (enrolled.decision, enrolled.points_awarded) == ("inside", 10)
    assert (enrolled.promoter.id, enrolled.zone.id) == (promoter_id, zone_id)
    assert EnrollResultSchema().dump(enrolled) == {
        "enrollment_id": enrolled.enrollment_id,
        "promoter": {"id": promoter_id, "nickname": enrolled.promoter.nickname},
        "zone": {"id": zone_id, "name": enrolled.zone.name},
        "decision": "inside",
        "distance_to_edge_m": enrolled.distance_to_edge_m,
        "points_awarded": 10,
    }
    assert enrolled.distance_to_edge_m > 400  # the centre is ~480 m from the east edge
    row = db.session.get(Enrollment, enrolled.enrollment_id)
    assert (row.volunteer_id, row.promoter_id, row.zone_id) == (volunteer.id, promoter_id, zone_id)
    assert row.created_at == clock.now()
    user = reloaded(volunteer.id)
    assert "volunteer" in user.roles and user.zone_id == zone_id
    assert ledger(volunteer.id) == [("enrolled", 10, zone_id)]
    assert ledger(promoter_id) == [("recruit", 2, zone_id)]
    with pytest.raises(AlreadyEnrolled):
        service.enroll(user, location(scene=code.scene))


def test_a_scan_outside_is_refused_but_its_position_is_kept(app_ctx, clock):
    """The refused scan's position stays (the first unit of work): a scan on site a few
    seconds later is an implausible jump; a few minutes later it is not."""
    code = EnrollmentCodeFactory()
    volunteer = UserFactory()
    far_north = north_of(NORTH, 500)

    with pytest.raises(OutsideZone):
        service.enroll(volunteer, location(lat=far_north, scene=code.scene))

    assert count(Enrollment) == 0 and ledger(volunteer.id) == []
    assert "volunteer" not in reloaded(volunteer.id).roles
    kept = db.session.get(ScanPosition, volunteer.id)
    assert (kept.lng, kept.lat, kept.seen_at) == (ZONE_CENTRE[0], far_north, clock.now())

    clock.advance(seconds=5)
    with pytest.raises(LocationImplausible):
        service.enroll(reloaded(volunteer.id), location(scene=code.scene))
    clock.advance(minutes=2)
    enrolled = service.enroll(reloaded(volunteer.id), location(scene=code.scene))
    assert enrolled.decision == "inside"


def test_an_error_after_the_writes_leaves_no_enrollment_no_role_and_no_points(app_ctx, monkeypatch):
    """The promoter's award fails after the enrollment row, the role and the volunteer's
    points were written: the second unit of work rolls all of it back."""
    code = EnrollmentCodeFactory()
    volunteer = UserFactory()
    volunteer_id, promoter_id = volunteer.id, code.promoter_id
    real_award = points.award

    def award(user, reason, ref, **kwargs):
        if reason == "recruit":
            raise RuntimeError("the ledger is unavailable")
        return real_award(user, reason, ref, **kwargs)

    monkeypatch.setattr(points, "award", award)
    with pytest.raises(RuntimeError, match="ledger"):
        service.enroll(volunteer, location(scene=code.scene))

    assert count(Enrollment) == 0
    assert count(PointsEntry) == 0
    user = reloaded(volunteer_id)
    assert "volunteer" not in user.roles
    assert (user.points_balance, user.zone_id) == (0, None)
    assert db.session.get(User, promoter_id).points_balance == 0
    assert db.session.get(ScanPosition, volunteer_id) is not None  # the scan's own unit


# ---- check_in_event ----------------------------------------------------------------------


def test_a_volunteer_checks_in_once_and_the_host_gets_a_share(app_ctx, clock):
    event = EventFactory()
    host_id, zone_id = event.promoter_id, event.zone_id
    enrollment = EnrollmentFactory(promoter=db.session.get(User, host_id))
    volunteer = db.session.get(User, enrollment.volunteer_id)

    checked = service.check_in_event(volunteer, event.id, location(accuracy=10))

    assert CheckinResultSchema().dump(checked) == {
        "event_id": event.id,
        "points_awarded": 10,
        "distance_m": 0.0,
        "balance": 10,
    }
    assert ledger(volunteer.id) == [("event_checkin", 10, zone_id)]
    assert ledger(host_id) == [("event_host", 2, zone_id)]
    with pytest.raises(AlreadyCheckedInEvent):
        service.check_in_event(volunteer, event.id, location(accuracy=10))
    assert count(EventCheckin) == 1


@pytest.mark.parametrize(("accuracy", "accepted"), [(60, True), (20, False)])
def test_a_check_in_outside_the_circle_counts_only_within_its_accuracy(
    app_ctx, clock, accuracy, accepted
):
    """250 m from the centre of a 200 m circle: the zones' edge rule."""
    event = EventFactory()
    volunteer = db.session.get(
        User, EnrollmentFactory(promoter=db.session.get(User, event.promoter_id)).volunteer_id
    )
    here = location(lat=north_of(ZONE_CENTRE[1], 250), accuracy=accuracy)
    if accepted:
        assert 249 <= service.check_in_event(volunteer, event.id, here).distance_m <= 251
    else:
        with pytest.raises(OutsideEvent):
            service.check_in_event(volunteer, event.id, here)
        assert count(EventCheckin) == 0 and ledger(volunteer.id) == []


def test_a_check_in_needs_an_open_event_and_a_volunteer(app_ctx, clock):
    event = EventFactory()
    volunteer = db.session.get(User, EnrollmentFactory().volunteer_id)
    with pytest.raises(Forbidden):
        service.check_in_event(UserFactory(), event.id, location())
    clock.set(event.starts_at - timedelta(seconds=1))
    with pytest.raises(EventNotOpen):
        service.check_in_event(volunteer, event.id, location())
    clock.set(event.ends_at)
    with pytest.raises(EventNotOpen):
        service.check_in_event(volunteer, event.id, location())
    clock.set(event.ends_at - timedelta(seconds=1))
    assert service.check_in_event(volunteer, event.id, location()).points_awarded == 10
    cancelled = EventFactory(cancelled=True)
    with pytest.raises(EventCancelled):
        service.check_in_event(volunteer, cancelled.id, location())


# ---- decide_application ------------------------------------------------------------------


def apply_for(zone_id: int):
    return service.apply(
        UserFactory(),
        {"zone_id": zone_id, "real_name": "李明", "phone": "13912345678", "organisation": "社区"},
    )


def test_approving_makes_a_promoter_for_the_zone_once(app_ctx, clock):
    zone = ZoneFactory()
    officer = UserFactory(roles=["admin"])
    application = apply_for(zone.id)
    applicant_id = application.user_id

    decided = admin_service.decide_application(application.id, True, None, officer)

    assert (decided.status, decided.decided_by_id, decided.decided_at) == (
        "approved",
        officer.id,
        clock.now(),
    )
    applicant = reloaded(applicant_id)
    assert applicant.has_role("promoter") and applicant.zone_id == zone.id
    assert db.session.get(RoleZone, (applicant_id, "promoter", zone.id)) is not None
    with pytest.raises(ApplicationDecided):
        admin_service.decide_application(application.id, False, "重复处理", officer)


def test_rejecting_needs_a_reason_and_grants_nothing(app_ctx):
    officer = UserFactory(roles=["admin"])
    application = apply_for(ZoneFactory().id)
    with pytest.raises(ValidationFailed):
        admin_service.decide_application(application.id, False, "  ", officer)
    rejected = admin_service.decide_application(application.id, False, "请补充单位证明", officer)
    assert (rejected.status, rejected.reason) == ("rejected", "请补充单位证明")
    assert not reloaded(rejected.user_id).has_role("promoter")
    assert count(RoleZone) == 0


def test_a_station_admin_decides_for_the_zones_below_theirs_only(app_ctx):
    street = ZoneFactory()
    community = ZoneFactory(parent_id=street.id, kind="community", fence=square(*ZONE_BOUNDS))
    elsewhere = ZoneFactory()
    station = RoleZoneFactory(
        user=UserFactory(roles=["station_admin"]), role="station_admin", zone=street
    )
    officer = db.session.get(User, station.user_id)
    with pytest.raises(NotFound):  # outside its reach: as if it did not exist
        admin_service.decide_application(apply_for(elsewhere.id).id, True, None, officer)
    approved = admin_service.decide_application(apply_for(community.id).id, True, None, officer)
    assert approved.status == "approved"
    with pytest.raises(NotFound):
        admin_service.decide_application(10**8, True, None, officer)


def test_a_promoter_factory_promoter_can_be_enrolled_with(app_ctx):
    """The factories leave rows as the use cases would: a promoter's code works."""
    promoter = PromoterFactory()
    code = EnrollmentCodeFactory(promoter=promoter)
    assert service.enroll(UserFactory(), location(scene=code.scene)).promoter.id == promoter.id
