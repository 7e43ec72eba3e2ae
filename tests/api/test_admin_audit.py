"""The audit log through HTTP, and station admins' bans and points adjustments (scoped to
their reach, audited)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.factories import AuditEntryFactory, RoleZoneFactory, UserFactory
from tests.helpers import assert_error, station_world

AUDIT = "/api/v1/admin/audit"
USERS = "/api/v1/admin/users"


@pytest.fixture
def world(app_ctx):
    return station_world()


def entries(client, headers, **args) -> list[dict]:
    response = client.get(AUDIT, query_string=args, headers=headers)
    body = response.get_json()
    assert response.status_code == 200, body
    return body["items"]


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


# ---- the audit log ---------------------------------------------------------------------


def test_the_log_lists_entries_newest_first_with_the_actor(client, world, auth_headers):
    by_officer = AuditEntryFactory(
        actor=world.officer,
        object_id=str(world.volunteer.id),
        zone_id=world.street.id,
        request_id="req-1",
    )
    by_operator = AuditEntryFactory(action="role.grant", changes={"roles": [["a"], ["a", "b"]]})
    items = entries(client, auth_headers(world.admin))
    assert [item["id"] for item in items] == [by_operator.id, by_officer.id]
    assert items[1] == {
        "id": by_officer.id,
        "created_at": items[1]["created_at"],
        "actor_id": world.officer.id,
        "actor_nickname": "白沙派出所",
        "via": "api",
        "action": "user.ban",
        "object_type": "user",
        "object_id": str(world.volunteer.id),
        "zone_id": world.street.id,
        "reason": "测试原因",
        "changes": {"status": ["active", "banned"]},
        "request_id": "req-1",
    }
    assert items[1]["created_at"].endswith("+08:00")
    assert (items[0]["actor_id"], items[0]["actor_nickname"], items[0]["via"]) == (
        None,
        None,
        "cli",
    )


def test_the_log_filters_exactly(client, world, auth_headers):
    ban = AuditEntryFactory(actor=world.officer, object_id="7")
    grant = AuditEntryFactory(actor=world.admin, action="role.grant", object_id="7")
    reward = AuditEntryFactory(actor=world.admin, action="reward.create", object_type="reward")
    headers = auth_headers(world.admin)

    def found(**args) -> list[int]:
        return [item["id"] for item in entries(client, headers, **args)]

    assert found(actor_id=world.officer.id) == [ban.id]
    assert found(object_type="user", object_id="7") == [grant.id, ban.id]
    assert found(action="role.grant") == [grant.id]
    assert found(action="role") == []  # actions match exactly
    assert found(object_type="reward") == [reward.id]
    assert found(actor_id=world.admin.id, per_page=1, page=2) == [grant.id]


def test_days_are_the_app_time_zones_and_both_ends_count(client, world, auth_headers):
    def at(*moment) -> AuditEntry:
        return AuditEntryFactory(created_at=datetime(*moment, tzinfo=UTC))

    before = at(2026, 11, 16, 15, 59, 59)  # 23:59:59 on the 16th in Shanghai
    first = at(2026, 11, 16, 16, 0)  # midnight starting the 17th
    last = at(2026, 11, 18, 15, 59, 59)  # the last second of the 18th
    after = at(2026, 11, 18, 16, 0)  # the 19th
    headers = auth_headers(world.admin)

    def found(**args) -> list[int]:
        return [item["id"] for item in entries(client, headers, **args)]

    assert found(**{"from": "2026-11-17", "to": "2026-11-18"}) == [last.id, first.id]
    assert found(**{"from": "2026-11-19"}) == [after.id]
    assert found(to="2026-11-16") == [before.id]
    assert found(**{"from": "2026-11-18", "to": "2026-11-18"}) == [last.id]
    backwards = client.get(
        AUDIT, query_string={"from": "2026-11-18", "to": "2026-11-17"}, headers=headers
    )
    assert "to" in assert_error(backwards, 422, "VALIDATION_ERROR")["errors"]["query"]
    for bad in ({"from": "2026-13-01"}, {"to": "1999-12-31"}, {"actor_id": "x"}):
        response = client.get(AUDIT, query_string=bad, headers=headers)
        assert set(assert_error(response, 422, "VALIDATION_ERROR")["errors"]["query"]) == set(bad)


def test_a_station_admin_reads_the_entries_of_its_reach(client, world, auth_headers):
    town = AuditEntryFactory(actor=world.admin, zone_id=world.town.id)
    street = AuditEntryFactory(actor=world.admin, zone_id=world.street.id)
    AuditEntryFactory(actor=world.admin, zone_id=world.other.id)
    AuditEntryFactory(actor=world.admin, action="reward.create", object_type="reward")
    mine = [item["id"] for item in entries(client, auth_headers(world.officer))]
    assert mine == [street.id, town.id]
    assert len(entries(client, auth_headers(world.admin))) == 4
    assert len(entries(client, auth_headers(world.stranger))) == 1


def test_reading_the_log_is_not_audited_and_needs_an_officer(client, world, auth_headers):
    AuditEntryFactory(actor=world.admin)
    before = audit_count()
    entries(client, auth_headers(world.admin))
    entries(client, auth_headers(world.officer))
    assert audit_count() == before
    for user in (world.resident, world.volunteer, world.promoter):
        assert_error(client.get(AUDIT, headers=auth_headers(user)), 403, "FORBIDDEN")
    assert_error(client.get(AUDIT), 401, "UNAUTHORIZED")


# ---- station admins act on users in their reach ----------------------------------------


def last_entry() -> AuditEntry:
    db.session.expire_all()
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))


def test_a_station_admin_bans_and_unbans_a_user_of_its_zones(client, world, auth_headers):
    headers = auth_headers(world.officer)
    volunteer = world.volunteer.id
    banned = client.post(
        f"{USERS}/{volunteer}/ban", json={"reason": "散布诈骗链接"}, headers=headers
    )
    assert banned.status_code == 200, banned.get_json()
    assert (banned.get_json()["status"], banned.get_json()["banned_by_id"]) == (
        "banned",
        world.officer.id,
    )
    entry = last_entry()
    assert (entry.actor_id, entry.via, entry.action, entry.object_type, entry.object_id) == (
        world.officer.id,
        "api",
        "user.ban",
        "user",
        str(volunteer),
    )
    assert (entry.zone_id, entry.reason, entry.changes) == (
        world.street.id,
        "散布诈骗链接",
        {"status": ["active", "banned"]},
    )
    lifted = client.post(f"{USERS}/{volunteer}/unban", headers=headers)
    assert lifted.get_json()["status"] == "active"
    assert (last_entry().action, last_entry().changes) == (
        "user.unban",
        {"status": ["banned", "active"]},
    )
    listed = entries(client, headers, object_type="user", object_id=str(volunteer))
    assert [item["action"] for item in listed] == ["user.unban", "user.ban"]


def test_a_station_admin_cannot_ban_outside_its_reach(client, world, auth_headers):
    headers = auth_headers(world.officer)
    before = audit_count()
    for user in (world.outsider, world.resident):  # another zone; no zone (city-wide)
        for action, body in (("ban", {"reason": "测试封禁"}), ("unban", {})):
            response = client.post(f"{USERS}/{user.id}/{action}", json=body, headers=headers)
            assert_error(response, 404, "NOT_FOUND")
    assert audit_count() == before
    assert {db.session.get(User, u.id).status for u in (world.outsider, world.resident)} == {
        "active"
    }
    promoter = auth_headers(world.promoter)
    refused = client.post(
        f"{USERS}/{world.volunteer.id}/ban", json={"reason": "测试封禁"}, headers=promoter
    )
    assert_error(refused, 403, "FORBIDDEN")


def test_a_station_admin_adjusts_points_of_a_user_of_its_zones(client, world, auth_headers):
    headers = auth_headers(world.officer)
    url = f"{USERS}/{world.promoter.id}/points"
    added = client.post(url, json={"delta": 20, "reason": "线下宣传补录"}, headers=headers)
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["balance"] == 20
    entry = last_entry()
    assert (entry.actor_id, entry.action, entry.object_id, entry.zone_id, entry.reason) == (
        world.officer.id,
        "points.adjust",
        str(world.promoter.id),
        world.street.id,
        "线下宣传补录",
    )
    assert entry.changes == {"points_balance": [0, 20]}
    before = audit_count()
    for user in (world.outsider, world.resident):
        outside = client.post(
            f"{USERS}/{user.id}/points", json={"delta": 5, "reason": "测试"}, headers=headers
        )
        assert_error(outside, 404, "NOT_FOUND")
    assert audit_count() == before
    stranger = auth_headers(world.stranger)
    theirs = client.post(url, json={"delta": 5, "reason": "测试"}, headers=stranger)
    assert_error(theirs, 404, "NOT_FOUND")
    admin = auth_headers(world.admin)
    citywide = client.post(
        f"{USERS}/{world.resident.id}/points", json={"delta": 5, "reason": "测试"}, headers=admin
    )
    assert citywide.status_code == 201
    volunteer = auth_headers(world.volunteer)
    assert_error(
        client.post(url, json={"delta": 5, "reason": "测试"}, headers=volunteer), 403, "FORBIDDEN"
    )


def test_a_station_admin_without_zones_reaches_nobody(client, world, auth_headers):
    empty = auth_headers(UserFactory(roles=["station_admin"]))
    assert client.get(USERS, headers=empty).get_json()["items"] == []
    assert_error(client.get(f"{USERS}/{world.volunteer.id}", headers=empty), 404, "NOT_FOUND")
    ban = client.post(
        f"{USERS}/{world.volunteer.id}/ban", json={"reason": "测试封禁"}, headers=empty
    )
    assert_error(ban, 404, "NOT_FOUND")
    AuditEntryFactory(actor=world.admin, zone_id=world.street.id)
    assert entries(client, empty) == []


def test_officers_never_ban_other_officers_in_reach_or_adjust_their_own_points(
    client, world, auth_headers
):
    """A station admin may not ban an officer, even one in its zones (an `admin` may), and
    no officer adjusts their own points."""
    colleague = UserFactory(roles=["station_admin", "promoter"], zone_id=world.street.id)
    body = {"reason": "测试封禁"}
    station = client.post(
        f"{USERS}/{colleague.id}/ban", json=body, headers=auth_headers(world.officer)
    )
    assert_error(station, 403, "FORBIDDEN")
    admin = client.post(f"{USERS}/{colleague.id}/ban", json=body, headers=auth_headers(world.admin))
    assert admin.status_code == 200
    before = audit_count()
    for officer in (world.admin, UserFactory(roles=["station_admin"], zone_id=world.street.id)):
        if officer is not world.admin:
            RoleZoneFactory(user=officer, zone=world.town, role="station_admin")
        own = client.post(
            f"{USERS}/{officer.id}/points",
            json={"delta": 100, "reason": "给自己加分"},
            headers=auth_headers(officer),
        )
        assert_error(own, 403, "FORBIDDEN")
    assert audit_count() == before
