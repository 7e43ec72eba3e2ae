"""The pickup desk through HTTP: a redemption belongs to the redeeming user's zone; a
station admin finds (by pickup code), fulfils and cancels those of its zones, an admin
any; the decisions are audited with the zone."""

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from tests.factories import (
    EnrollmentFactory,
    RedemptionFactory,
    RewardFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import assert_error

REDEMPTIONS = "/api/v1/admin/redemptions"


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory()


@pytest.fixture
def resident(zone):
    """A volunteer of the zone: their points, and so their redemptions, count for it."""
    enrollment = EnrollmentFactory(promoter__zone=zone)
    return db.session.get(UserFactory._meta.model, enrollment.volunteer_id)


def listed(client, headers, query=""):
    response = client.get(f"{REDEMPTIONS}?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_a_redemption_is_booked_to_the_users_zone(client, zone, resident, auth_headers):
    admin = UserFactory(roles=["admin"])
    adjusted = client.post(
        f"/api/v1/admin/users/{resident.id}/points",
        json={"delta": 50, "reason": "测试"},
        headers=auth_headers(admin),
    )
    assert adjusted.status_code == 201, adjusted.get_json()
    reward = RewardFactory()
    redeemed = client.post(f"/api/v1/rewards/{reward.id}/redeem", headers=auth_headers(resident))
    assert redeemed.status_code == 201, redeemed.get_json()
    [item] = client.get(REDEMPTIONS, headers=auth_headers(admin)).get_json()["items"]
    assert (item["id"], item["zone_id"], item["user_id"]) == (
        redeemed.get_json()["id"],
        zone.id,
        resident.id,
    )


def test_station_admins_find_and_decide_the_redemptions_of_their_zones(
    client, zone, resident, auth_headers
):
    mine = RedemptionFactory(user=resident, code="ABCD2345")
    community = ZoneFactory(parent_id=zone.id, kind="community")
    below = RedemptionFactory(user=UserFactory(zone_id=community.id))
    theirs = RedemptionFactory(user=UserFactory(zone_id=ZoneFactory().id), code="WXYZ6789")
    nowhere = RedemptionFactory(user=UserFactory())
    station = auth_headers(StationAdminFactory(zone=zone))
    assert listed(client, station) == [below.id, mine.id]
    assert listed(client, station, "code=%20abcd2345%20") == [mine.id]
    assert listed(client, station, "code=WXYZ6789") == []  # another station's pickup
    assert listed(client, station, "status=fulfilled") == []
    admin = auth_headers(UserFactory(roles=["admin"]))
    assert listed(client, admin) == [nowhere.id, theirs.id, below.id, mine.id]
    assert listed(client, admin, "code=wxyz6789") == [theirs.id]

    fulfilled = client.post(f"{REDEMPTIONS}/{mine.id}/fulfil", headers=station)
    assert fulfilled.status_code == 200 and fulfilled.get_json()["status"] == "fulfilled"
    for target in (theirs, nowhere):
        for verb in ("fulfil", "cancel"):
            refused = client.post(f"{REDEMPTIONS}/{target.id}/{verb}", headers=station)
            assert_error(refused, 404, "NOT_FOUND")
    cancelled = client.post(f"{REDEMPTIONS}/{below.id}/cancel", headers=station)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert listed(client, station, "status=fulfilled") == [mine.id]
    log = db.session.execute(
        select(AuditEntry.action, AuditEntry.object_id, AuditEntry.zone_id, AuditEntry.changes)
        .where(AuditEntry.object_type == "redemption")
        .order_by(AuditEntry.id)
    ).all()
    assert [tuple(row) for row in log] == [
        ("redemption.fulfil", str(mine.id), zone.id, {"status": ["pending", "fulfilled"]}),
        ("redemption.cancel", str(below.id), community.id, {"status": ["pending", "cancelled"]}),
    ]


def test_the_pickup_desk_is_for_officers(client, zone, resident, auth_headers):
    redemption = RedemptionFactory(user=resident)
    for roles in ([], ["volunteer"], ["promoter"]):
        headers = auth_headers(UserFactory(roles=roles))
        assert_error(client.get(REDEMPTIONS, headers=headers), 403, "FORBIDDEN")
        fulfil = client.post(f"{REDEMPTIONS}/{redemption.id}/fulfil", headers=headers)
        assert_error(fulfil, 403, "FORBIDDEN")
    station = auth_headers(StationAdminFactory(zone=zone))
    assert_error(client.get("/api/v1/admin/rewards", headers=station), 403, "FORBIDDEN")
    too_long = client.get(f"{REDEMPTIONS}?code={'A' * 33}", headers=station)
    assert_error(too_long, 422, "VALIDATION_ERROR")
