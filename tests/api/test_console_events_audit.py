"""The console's events and audit pages through the Flask client: events of the officer's
zones, announced for a zone with the API's rule (EVENT_OUTSIDE_ZONE) and cancelled with
their check-ins kept, another zone's event a 404 page; the audit log filtered within the
officer's reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.timeutil import to_local, utcnow
from miniapp_api.zones.event_admin import cancel_event
from miniapp_api.zones.models import Event, EventCheckin
from tests.factories import (
    ZONE_BOUNDS,
    ZONE_CENTRE,
    EventFactory,
    PromoterFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import console_csrf, console_sign_in


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def signed_in(client, user):
    console_sign_in(client, user)
    return console_csrf(client)


def local_field(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory(name="浒山街道")


def event_form(token, zone_id, **values):
    now = utcnow()
    return {
        "csrf_token": token,
        "title": "社区反诈讲座",
        "zone_id": str(zone_id),
        "place_name": "文化礼堂",
        "latitude": str(ZONE_CENTRE[1]),
        "longitude": str(ZONE_CENTRE[0]),
        "radius_m": "300",
        "starts_at": local_field(now + timedelta(days=1)),
        "ends_at": local_field(now + timedelta(days=1, hours=2)),
        **values,
    }


def test_an_officer_announces_an_event_for_its_zone(client, zone):
    officer = StationAdminFactory(zone=zone)
    token = signed_in(client, officer)
    form = client.get("/console/events/new").get_data(as_text=True)
    assert "浒山街道" in form and f'value="{zone.id}"' in form
    assert f'value="{ZoneFactory().id}"' not in client.get("/console/events/new").get_data(
        as_text=True
    )

    response = client.post("/console/events/new", data=event_form(token, zone.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalar(select(Event))
    assert (event.zone_id, event.promoter_id, event.radius_m) == (zone.id, officer.id, 300)
    assert response.headers["Location"].endswith(f"/console/events/{event.id}")
    [entry] = entries("event.create")
    assert (entry.via, entry.actor_id, entry.zone_id) == ("console", officer.id, zone.id)
    listed = client.get("/console/events").get_data(as_text=True)
    assert "社区反诈讲座" in listed and "未开始" in listed


def test_a_circle_outside_the_zone_is_refused_in_chinese(client, zone):
    token = signed_in(client, StationAdminFactory(zone=zone))
    far = str(ZONE_BOUNDS[3] + 0.05)  # about 5.5 km north of the zone
    response = client.post("/console/events/new", data=event_form(token, zone.id, latitude=far))
    assert response.status_code == 422
    assert "活动范围必须在宣传员的服务区域内或与之相交" in response.get_data(as_text=True)
    bad = client.post("/console/events/new", data=event_form(token, zone.id, title="", ends_at=""))
    assert bad.status_code == 422 and bad.get_data(as_text=True).count('class="error"') == 2
    assert db.session.scalar(select(Event.id)) is None
    assert entries("event.create") == []


def test_an_event_of_another_zone_is_the_404_page(client, zone):
    token = signed_in(client, StationAdminFactory(zone=zone))
    foreign = EventFactory()
    page = client.get(f"/console/events/{foreign.id}")
    assert page.status_code == 404
    assert "活动不存在" in page.get_data(as_text=True)
    cancel = client.post(f"/console/events/{foreign.id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == 404
    other_zone = client.post("/console/events/new", data=event_form(token, foreign.zone_id))
    assert other_zone.status_code == 422  # not among the zones offered: no such zone here
    assert "区域不存在" in other_zone.get_data(as_text=True)
    assert foreign.title not in client.get("/console/events").get_data(as_text=True)
    assert client.get(f"/console/events?zone_id={foreign.zone_id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Event, foreign.id).cancelled is False


def test_cancelling_keeps_the_check_ins(client, zone):
    officer = StationAdminFactory(zone=zone)
    token = signed_in(client, officer)
    event = EventFactory(promoter=PromoterFactory(zone=zone))
    db.session.add(EventCheckin(event_id=event.id, user_id=UserFactory().id, distance_m=5.0))
    db.session.commit()
    response = client.post(
        f"/console/events/{event.id}/cancel", data={"csrf_token": token, "reason": "台风停办"}
    )
    assert response.status_code == 302
    page = client.get(f"/console/events/{event.id}").get_data(as_text=True)
    assert "台风停办" in page and '<dd id="checkin-count">1</dd>' in page
    [entry] = entries("event.cancel")
    assert (entry.via, entry.reason) == ("console", "台风停办")
    assert db.session.scalar(select(db.func.count()).select_from(EventCheckin)) == 1


def test_the_audit_log_filters_within_the_officers_reach(client, zone):
    officer = StationAdminFactory(zone=zone)
    signed_in(client, officer)
    mine = EventFactory(promoter=PromoterFactory(zone=zone))
    theirs = EventFactory()
    admin = UserFactory(roles=["admin"])
    for event in (mine, theirs):  # cancelled through the API's use case
        cancel_event(event.id, None, admin)
    page = client.get("/console/audit?action=event.cancel").get_data(as_text=True)
    assert f"#{mine.id}" in page and f"#{theirs.id}" not in page
    assert "取消活动" in page and admin.nickname in page and "浒山街道" in page
    one = client.get(f"/console/audit?object_type=event&object_id={mine.id}")
    assert f"#{mine.id}" in one.get_data(as_text=True)
    none = client.get(f"/console/audit?object_type=event&object_id={theirs.id}")
    assert "没有符合条件的记录" in none.get_data(as_text=True)
    by_actor = client.get(f"/console/audit?actor_id={officer.id}").get_data(as_text=True)
    assert "没有符合条件的记录" in by_actor
    by_admin = client.get(f"/console/audit?actor_id={admin.id}").get_data(as_text=True)
    assert f"#{mine.id}" in by_admin
    tomorrow = (to_local(utcnow()) + timedelta(days=1)).date().isoformat()
    later = client.get(f"/console/audit?from={tomorrow}").get_data(as_text=True)
    assert "没有符合条件的记录" in later


def test_a_bad_audit_filter_shows_its_error_and_no_entries(client, zone):
    admin = UserFactory(roles=["admin"])
    signed_in(client, admin)
    cancel_event(EventFactory().id, None, admin)  # an entry the bad filter must not show
    response = client.get("/console/audit?from=2026-12-05&to=2026-12-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "结束日期不能早于开始日期" in page and "请修正筛选条件" in page
    not_a_number = client.get("/console/audit?actor_id=abc")
    assert not_a_number.status_code == 422
    assert 'id="f-actor_id-error"' in not_a_number.get_data(as_text=True)


def test_long_changes_are_cut_and_events_link_to_their_page(client, zone):
    admin = UserFactory(roles=["admin"])
    signed_in(client, admin)
    event = EventFactory(promoter=PromoterFactory(zone=zone))
    cancel_event(event.id, "原因" * 100, admin)
    record_entry(admin, {"body": ["旧" * 300, "新" * 300]})
    page = client.get("/console/audit").get_data(as_text=True)
    assert f'href="/console/events/{event.id}">#{event.id}</a>' in page
    assert "旧" * 120 + "…" in page and "旧" * 121 not in page


def record_entry(actor, changes) -> None:
    from miniapp_api.audit.service import record
    from miniapp_api.storage import use_case

    use_case(lambda: record(actor, "article.update", "article", 1, changes=changes))()


def test_console_times_read_naive_stored_times_as_utc(app_ctx):
    from datetime import UTC, datetime

    from miniapp_api.console.forms import local_input
    from miniapp_api.console.home import console_time

    naive, aware = datetime(2026, 12, 1, 16, 30), datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert console_time(naive) == console_time(aware) == "2026-12-02 00:30"
    assert local_input(naive) == local_input(aware) == "2026-12-02T00:30"
    assert console_time(None) == ""
