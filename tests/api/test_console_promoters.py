"""宣传员审核 page: the queue (pending first, filters), decisions through the admin API's use
case with the same audit entry (via console), htmx row updates, and a station admin's reach."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones.models import PromoterApplication
from tests.factories import PromoterApplicationFactory, UserFactory
from tests.helpers import console_client, csrf_token_of, station_world

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    """The station world, plus applications: two pending in the officer's street, one
    decided there, one pending in the other zone."""
    with app.app_context():
        w = station_world()
        ids = {
            "old": PromoterApplicationFactory(zone=w.street, real_name="陈静").id,
            "decided": PromoterApplicationFactory(
                zone=w.town, real_name="王海峰", status="rejected", reason="材料不全"
            ).id,
            "new": PromoterApplicationFactory(zone=w.street, real_name="张伟").id,
            "foreign": PromoterApplicationFactory(zone=w.other, real_name="外区申请人").id,
        }
        return {
            "ids": ids,
            "admin": w.admin.id,
            "officer": w.officer.id,
            "other_zone": w.other.id,
            "street": w.street.id,
        }


def rows(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<tr id="application-')[1:]]


def audit(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_the_queue_lists_pending_first_and_masks_phones(app, world):
    client = console_client(app, world["admin"])
    page = client.get("/console/promoters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    ids = world["ids"]
    listed = [int(i) for i in rows(html)]
    assert listed[:3] == [ids["foreign"], ids["new"], ids["old"]]  # pending, newest first
    assert ids["decided"] in listed[3:]
    assert "****" in html and "13900000" not in html


def test_filters_by_status_and_zone(app, world):
    client = console_client(app, world["admin"])
    rejected = client.get("/console/promoters?status=rejected").get_data(as_text=True)
    assert rows(rejected) == [str(world["ids"]["decided"])]
    street = client.get(f"/console/promoters?zone_id={world['street']}").get_data(as_text=True)
    listed = set(rows(street))
    assert {str(world["ids"]["new"]), str(world["ids"]["old"])} <= listed
    assert not {str(world["ids"]["decided"]), str(world["ids"]["foreign"])} & listed  # town, other
    partial = client.get(
        "/console/promoters?status=pending", headers={"HX-Target": "application-list"}
    )
    assert "<html" not in partial.get_data(as_text=True)


def test_approve_by_htmx_swaps_the_row_and_writes_the_api_audit_entry(app, world):
    client = console_client(app, world["officer"])
    token = csrf_token_of(client.get("/console/promoters"))
    target = world["ids"]["new"]
    response = client.post(
        f"/console/promoters/{target}/approve", headers={**HX, "X-CSRFToken": token}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.strip().startswith(f'<tr id="application-{target}"') and "已通过" in html
    (entry,) = audit(app)
    assert (entry.action, entry.via, entry.actor_id) == (
        "application.approve",
        "console",
        world["officer"],
    )
    with app.app_context():
        applicant = db.session.get(PromoterApplication, target).user_id
        assert db.session.get(User, applicant).has_role("promoter")


def test_reject_needs_a_reason_and_a_second_decision_is_refused(app, world):
    client = console_client(app, world["admin"])
    token = csrf_token_of(client.get("/console/promoters"))
    target = world["ids"]["old"]
    url = f"/console/promoters/{target}/reject"
    empty = client.post(url, data={"reason": " "}, headers={**HX, "X-CSRFToken": token})
    assert empty.status_code == 422 and "驳回时请填写原因" in empty.get_data(as_text=True)
    done = client.post(url, data={"reason": "不在本辖区居住"}, headers={**HX, "X-CSRFToken": token})
    assert done.status_code == 200 and "不在本辖区居住" in done.get_data(as_text=True)
    again = client.post(
        f"/console/promoters/{target}/approve", headers={**HX, "X-CSRFToken": token}
    )
    assert again.status_code == 422 and "已驳回" in again.get_data(as_text=True)
    assert [e.action for e in audit(app)] == ["application.reject"]


def test_a_plain_form_post_redirects_with_a_message(app, world):
    client = console_client(app, world["admin"])
    token = csrf_token_of(client.get("/console/promoters"))
    target = world["ids"]["old"]
    response = client.post(f"/console/promoters/{target}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert "已通过陈静的宣传员申请" in client.get("/console/promoters").get_data(as_text=True)


def test_without_the_csrf_token_a_decision_is_refused(app, world):
    client = console_client(app, world["admin"])
    response = client.post(f"/console/promoters/{world['ids']['old']}/approve", headers=HX)
    assert response.status_code == 400
    assert audit(app) == []


def test_a_station_admin_sees_and_decides_only_its_zones(app, world):
    client = console_client(app, world["officer"])
    html = client.get("/console/promoters").get_data(as_text=True)
    assert str(world["ids"]["foreign"]) not in rows(html)
    assert "外区申请人" not in html
    token = csrf_token_of(client.get("/console/promoters"))
    foreign = client.post(
        f"/console/promoters/{world['ids']['foreign']}/approve", data={"csrf_token": token}
    )
    assert foreign.status_code == 404 and foreign.mimetype == "text/html"
    assert client.get(f"/console/promoters?zone_id={world['other_zone']}").status_code == 404
    assert audit(app) == []


def test_residents_never_reach_the_page(app, world):
    with app.app_context():
        resident = UserFactory().id
    response = console_client(app, resident).get("/console/promoters")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_home_page_counts_the_applications_waiting_in_the_officers_zones(app, world):
    admin_home = console_client(app, world["admin"]).get("/console/").get_data(as_text=True)
    officer_home = console_client(app, world["officer"]).get("/console/").get_data(as_text=True)
    assert 'id="waiting-applications">3<' in admin_home
    assert 'id="waiting-applications">2<' in officer_home  # the other zone's is not counted
