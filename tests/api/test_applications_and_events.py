"""Promoter applications and events as personal data: in the export, erased with the
account; one pending application per user under a parallel burst; no points at one's
own event."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User, UserRole
from miniapp_api.zones.models import PromoterApplication, RoleZone
from tests.factories import EnrollmentFactory, UserFactory
from tests.factories.zones import (
    ZONE_CENTRE,
    EventFactory,
    PromoterApplicationFactory,
    ZoneFactory,
)
from tests.helpers import assert_error, fire_at_once

pytestmark = pytest.mark.usefixtures("app_ctx")

FORM = {"real_name": "王芳", "phone": "13800138000", "organisation": "宗汉街道社区"}


def test_the_export_has_applications_events_and_checkins(client, auth_headers):
    enrollment = EnrollmentFactory()
    volunteer_id, promoter_id = enrollment.volunteer_id, enrollment.promoter_id
    event = EventFactory(promoter_id=promoter_id, zone_id=enrollment.zone_id)
    PromoterApplicationFactory(user_id=volunteer_id, zone_id=enrollment.zone_id, **FORM)
    here = {"latitude": ZONE_CENTRE[1], "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    volunteer = db.session.get(User, volunteer_id)
    checked = client.post(
        f"/api/v1/events/{event.id}/checkins",
        json={**here, "accuracy": 10},
        headers=auth_headers(volunteer),
    )
    assert checked.status_code == 201, checked.get_json()

    mine = client.get("/api/v1/me/export", headers=auth_headers(volunteer)).get_json()
    [application] = mine["promoter_applications"]
    assert {key: application[key] for key in FORM} == FORM
    assert application["status"] == "pending"
    [checkin] = mine["events"]["checkins"]
    assert checkin["event_id"] == event.id and checkin["distance_m"] < 1
    assert "latitude" not in checkin and mine["events"]["organised"] == []

    organiser = db.session.get(User, promoter_id)
    theirs = client.get("/api/v1/me/export", headers=auth_headers(organiser)).get_json()
    assert [item["id"] for item in theirs["events"]["organised"]] == [event.id]
    assert theirs["events"]["organised"][0]["title"] == event.title


def test_deleting_the_account_erases_its_applications(client, auth_headers):
    zone = ZoneFactory()
    admin = UserFactory(roles=["admin"])
    applicant = UserFactory()
    created = client.post(
        "/api/v1/promoter-applications",
        json={"zone_id": zone.id, **FORM},
        headers=auth_headers(applicant),
    )
    application_id = created.get_json()["id"]
    assert client.delete("/api/v1/me", headers=auth_headers(applicant)).status_code == 204

    db.session.expire_all()
    assert db.session.scalars(select(PromoterApplication)).all() == []
    listed = client.get("/api/v1/admin/promoter-applications", headers=auth_headers(admin))
    assert FORM["phone"] not in listed.get_data(as_text=True)
    assert listed.get_json()["items"] == []
    found = client.get(f"/api/v1/admin/users?q={FORM['phone']}", headers=auth_headers(admin))
    assert found.get_json()["items"] == []
    approve = client.post(
        f"/api/v1/admin/promoter-applications/{application_id}/approve",
        headers=auth_headers(admin),
    )
    assert_error(approve, 404, "NOT_FOUND")


@pytest.mark.postgres
def test_a_parallel_burst_of_applications_leaves_one_pending(app, live_server, auth_headers):
    """Ten identical applications at the same instant: one is created, nine are refused
    as APPLICATION_PENDING (the applicant's row lock orders them)."""
    zone_id, applicant = ZoneFactory().id, UserFactory()
    headers = auth_headers(applicant)

    def send():
        return httpx.post(
            f"{live_server}/api/v1/promoter-applications",
            json={"zone_id": zone_id, **FORM},
            headers=headers,
            timeout=60,
        )

    responses = fire_at_once(10, send)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"APPLICATION_PENDING"}
    db.session.expire_all()
    rows = db.session.scalars(
        select(PromoterApplication).where(PromoterApplication.user_id == applicant.id)
    ).all()
    assert [row.status for row in rows] == ["pending"]


def test_an_organiser_earns_nothing_at_their_own_event(client, auth_headers):
    """A promoter who is also a volunteer cannot check in at their own event: no
    check-in points, no host points for themselves."""
    enrollment = EnrollmentFactory()
    organiser = db.session.get(User, enrollment.promoter_id)
    organiser.role_grants.append(UserRole(role="volunteer"))
    db.session.commit()
    event = EventFactory(promoter_id=organiser.id, zone_id=enrollment.zone_id)
    here = {"latitude": ZONE_CENTRE[1], "longitude": ZONE_CENTRE[0], "coord_type": "gcj02"}
    response = client.post(
        f"/api/v1/events/{event.id}/checkins",
        json={**here, "accuracy": 10},
        headers=auth_headers(organiser),
    )
    assert_error(response, 403, "FORBIDDEN")
    reasons = db.session.scalars(
        select(PointsEntry.reason).where(PointsEntry.user_id == organiser.id)
    ).all()
    assert "event_checkin" not in reasons and "event_host" not in reasons


@pytest.mark.postgres
def test_parallel_approvals_of_one_application_grant_once(app, live_server, auth_headers):
    """Defect 8 of the attack report: ten officers approving one application at the same
    instant were 500s (UniqueViolation on the role's zone). One approval wins; the others
    are APPLICATION_DECIDED; the applicant holds the promoter role for the zone once."""
    zone_id = ZoneFactory().id
    application = PromoterApplicationFactory(zone_id=zone_id)
    application_id, applicant_id = application.id, application.user_id
    officers = [auth_headers(UserFactory(roles=["admin"])) for _ in range(10)]
    pending = iter(officers)

    def send():
        return httpx.post(
            f"{live_server}/api/v1/admin/promoter-applications/{application_id}/approve",
            headers=next(pending),
            timeout=60,
        )

    responses = fire_at_once(10, send)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"APPLICATION_DECIDED"}
    db.session.expire_all()
    grants = db.session.scalars(
        select(RoleZone).where(RoleZone.user_id == applicant_id, RoleZone.role == "promoter")
    ).all()
    assert [grant.zone_id for grant in grants] == [zone_id]
