"""The user directory through HTTP: search, filters, one user's file, scoping."""

from datetime import timedelta

import pytest

from miniapp_api.points import service as points
from miniapp_api.rewards import service as rewards
from miniapp_api.storage import unit_of_work
from miniapp_api.timeutil import utcnow
from tests.factories import PromoterApplicationFactory, RewardFactory, UserFactory
from tests.helpers import assert_error, station_world

USERS = "/api/v1/admin/users"


@pytest.fixture
def world(app_ctx):
    return station_world()


def ids(response) -> list[int]:
    body = response.get_json()
    assert response.status_code == 200, body
    return [item["id"] for item in body["items"]]


def test_an_admin_lists_everyone_but_the_deleted_newest_first(client, world, auth_headers):
    gone = UserFactory(status="deleted", nickname=None)
    newest = UserFactory(nickname="新来的", created_at=utcnow() + timedelta(minutes=5))
    response = client.get(USERS, headers=auth_headers(world.admin))
    listed = ids(response)
    assert listed[0] == newest.id
    assert gone.id not in listed
    assert {world.promoter.id, world.volunteer.id, world.resident.id} <= set(listed)
    assert response.get_json()["total"] == len(listed)
    item = next(i for i in response.get_json()["items"] if i["id"] == world.volunteer.id)
    assert item == {
        "id": world.volunteer.id,
        "nickname": "志愿者老李",
        "avatar_url": None,
        "roles": ["resident", "volunteer"],
        "zone_id": world.street.id,
        "zone_name": "白沙社区",
        "status": "active",
        "points_balance": 0,
        "created_at": item["created_at"],
    }
    assert item["created_at"].endswith("+08:00")


def test_search_by_nickname_id_openid_suffix_and_phone(client, world, auth_headers):
    headers = auth_headers(world.admin)
    marked = UserFactory(openid="oQ7xZ-abcdWXYZ", nickname="某人")

    def found(q: str) -> list[int]:
        return ids(client.get(USERS, query_string={"q": q}, headers=headers))

    assert found("老李") == [world.volunteer.id]
    assert found(f" {world.resident.id} ") == [world.resident.id]
    assert found("WXYZ") == [marked.id]
    assert found("XYZ") == []  # an openid suffix needs 4 characters
    assert found("13988880000") == [world.promoter.id]
    assert found("0000") == [world.promoter.id]
    assert found("000") == []  # a phone ending too
    assert found("1398888") == []  # the phone's start is no match
    assert found("") == ids(client.get(USERS, headers=headers))


def test_like_wildcards_in_the_query_match_only_themselves(client, world, auth_headers):
    headers = auth_headers(world.admin)
    percent = UserFactory(nickname="100%靠谱")
    underscore = UserFactory(nickname="a_b")
    UserFactory(nickname="axb")

    def found(q: str) -> list[int]:
        return ids(client.get(USERS, query_string={"q": q}, headers=headers))

    assert found("%") == [percent.id]
    assert found("a_b") == [underscore.id]
    assert found("____") == []  # not "any openid of four characters or more"
    assert found("%%%%") == []
    assert found("/") == []  # the escape character itself


def test_filters_by_role_zone_and_status(client, world, auth_headers):
    headers = auth_headers(world.admin)
    banned = UserFactory(status="banned", zone_id=world.other.id)

    def found(**args) -> set[int]:
        return set(ids(client.get(USERS, query_string=args, headers=headers)))

    assert found(role="promoter") >= {world.promoter.id}
    assert world.volunteer.id not in found(role="promoter")
    assert found(role="station_admin") == {world.officer.id, world.stranger.id}
    assert found(zone_id=world.town.id) == {world.promoter.id, world.volunteer.id}
    assert found(zone_id=world.street.id) == {world.promoter.id, world.volunteer.id}
    assert found(zone_id=world.other.id) >= {world.outsider.id, banned.id}
    assert found(status="banned") == {banned.id}
    assert banned.id in found() and banned.id not in found(status="active")
    assert found(role="volunteer", zone_id=world.town.id, q="老李") == {world.volunteer.id}
    for bad in ({"role": "resident"}, {"status": "deleted"}, {"zone_id": "0"}, {"q": "x" * 65}):
        response = client.get(USERS, query_string=bad, headers=headers)
        assert set(assert_error(response, 422, "VALIDATION_ERROR")["errors"]["query"]) == set(bad)


def test_a_station_admin_sees_only_users_in_its_reach(client, world, auth_headers):
    headers = auth_headers(world.officer)
    assert set(ids(client.get(USERS, headers=headers))) == {world.promoter.id, world.volunteer.id}
    # Users outside (another zone, no zone at all) are not found by any search.
    for q in (str(world.outsider.id), str(world.resident.id), "居民小张", world.stranger.nickname):
        assert ids(client.get(USERS, query_string={"q": q}, headers=headers)) == []
    elsewhere = client.get(USERS, query_string={"zone_id": world.other.id}, headers=headers)
    assert ids(elsewhere) == []
    theirs = set(ids(client.get(USERS, headers=auth_headers(world.stranger))))
    assert world.outsider.id in theirs and world.volunteer.id not in theirs


def test_a_phone_search_stays_in_reach(client, world, auth_headers):
    PromoterApplicationFactory(user=world.outsider, zone=world.other, phone="13800000000")
    found = client.get(USERS, query_string={"q": "0000"}, headers=auth_headers(world.officer))
    assert ids(found) == [world.promoter.id]
    everyone = client.get(USERS, query_string={"q": "0000"}, headers=auth_headers(world.admin))
    assert set(ids(everyone)) == {world.promoter.id, world.outsider.id}


def test_residents_volunteers_and_promoters_are_refused(client, world, auth_headers):
    for user in (world.resident, world.volunteer, world.promoter):
        headers = auth_headers(user)
        assert_error(client.get(USERS, headers=headers), 403, "FORBIDDEN")
        detail = client.get(f"{USERS}/{world.volunteer.id}", headers=headers)
        assert_error(detail, 403, "FORBIDDEN")
    assert_error(client.get(USERS), 401, "UNAUTHORIZED")


# ---- one user's file -------------------------------------------------------------------


def test_a_volunteers_file_has_every_section(client, world, auth_headers):
    volunteer = world.volunteer
    reward = RewardFactory(name="反诈环保袋", points_cost=5)
    with unit_of_work():
        points.award(volunteer, "enrolled", "test", points=10)
    redemption = rewards.redeem(volunteer, reward.id, None)
    response = client.get(f"{USERS}/{volunteer.id}", headers=auth_headers(world.officer))
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["id"], body["nickname"], body["zone_name"]) == (
        volunteer.id,
        "志愿者老李",
        "白沙社区",
    )
    assert body["roles"] == ["resident", "volunteer"] and body["role_zones"] == []
    assert body["enrollment"] == {
        "promoter_id": world.promoter.id,
        "promoter_nickname": "宣传员小王",
        "zone_id": world.street.id,
        "zone_name": "白沙社区",
        "enrolled_at": body["enrollment"]["enrolled_at"],
        "decision": "inside",
        "qualified_at": None,
    }
    assert [r["code"] for r in body["redemptions"]] == [redemption.code]
    assert body["redemptions"][0]["reward"] == {"id": reward.id, "name": "反诈环保袋"}
    assert [(row["delta"], row["reason"]) for row in body["ledger"]] == [
        (-5, "redeem"),
        (10, "enrolled"),
    ]
    assert (body["points_balance"], body["earned_total"], body["volunteer_count"]) == (5, 10, None)
    assert_no_location_or_secret(response)


def test_a_promoters_file_counts_volunteers_and_shows_its_zones(client, world, auth_headers):
    response = client.get(f"{USERS}/{world.promoter.id}", headers=auth_headers(world.admin))
    body = response.get_json()
    assert body["volunteer_count"] == 1
    assert body["role_zones"] == [
        {"role": "promoter", "zone_id": world.street.id, "zone_name": "白沙社区"}
    ]
    assert body["enrollment"] is None
    assert_no_location_or_secret(response)


def assert_no_location_or_secret(response) -> None:
    text = response.get_data(as_text=True)
    for word in ("lat", "lng", "longitude", "distance", "accuracy", "session_key", "openid"):
        assert word not in text, word
    assert "13988880000" not in text  # the promoter's phone stays in the applications


def test_the_ledger_section_shows_the_20_latest_rows(client, world, auth_headers):
    with unit_of_work():
        for n in range(25):
            points.award(world.volunteer, "enrolled", f"article:{n}", points=1)
    body = client.get(f"{USERS}/{world.volunteer.id}", headers=auth_headers(world.admin))
    ledger = body.get_json()["ledger"]
    assert [row["ref"] for row in ledger] == [f"article:{n}" for n in range(24, 4, -1)]
    assert body.get_json()["earned_total"] == 25


def test_a_file_outside_the_reach_is_not_found(client, world, auth_headers):
    gone = UserFactory(status="deleted", zone_id=world.street.id)
    officer = auth_headers(world.officer)
    for user in (world.outsider, world.resident, world.stranger, gone):
        assert_error(client.get(f"{USERS}/{user.id}", headers=officer), 404, "NOT_FOUND")
    assert_error(client.get(f"{USERS}/999999", headers=officer), 404, "NOT_FOUND")
    admin = auth_headers(world.admin)
    assert client.get(f"{USERS}/{world.resident.id}", headers=admin).status_code == 200
    assert_error(client.get(f"{USERS}/{gone.id}", headers=admin), 404, "NOT_FOUND")
    stranger = auth_headers(world.stranger)
    assert_error(client.get(f"{USERS}/{world.volunteer.id}", headers=stranger), 404, "NOT_FOUND")
    assert client.get(f"{USERS}/{world.outsider.id}", headers=stranger).status_code == 200
