"""Zone leaderboards roll sub-zones up: a street's board counts the points earned in it
and in every zone below it, on both backends, after a rebuild and after a zone moves;
an unknown zone is a 404."""

import itertools
from datetime import UTC, date, datetime, time

import pytest

from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.backends import Board, RedisBackend, SqlBackend
from miniapp_api.points import service as points
from miniapp_api.storage import unit_of_work
from miniapp_api.timeutil import period_key
from tests.factories import UserFactory, ZoneFactory
from tests.helpers import assert_error

TODAY = date(2026, 11, 18)
UNCAPPED = {"quiz": {"daily_cap": None}}
_refs = itertools.count()


@pytest.fixture
def app(app_factory):
    return app_factory(POINTS_RULES=UNCAPPED)


@pytest.fixture
def today(clock):
    clock.set(datetime.combine(TODAY, time(2, 0), tzinfo=UTC))


@pytest.fixture
def tree(app_ctx, today):
    """A street with two communities, a site in the first, and a zone on its own."""
    street = ZoneFactory()
    east = ZoneFactory(parent_id=street.id, kind="community")
    west = ZoneFactory(parent_id=street.id, kind="community")
    site = ZoneFactory(parent_id=east.id, kind="site")
    alone = ZoneFactory()
    return street, east, west, site, alone


def earn(user, amount, zone):
    with unit_of_work():
        points.award(user, "quiz", f"z:{next(_refs)}", points=amount, zone_id=zone.id)


def board(client, headers, name="volunteers", **query):
    response = client.get(f"/api/v1/leaderboards/{name}", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(item["user_id"], item["score"]) for item in response.get_json()["items"]]


def zone_scores(client, headers):
    body = client.get("/api/v1/leaderboards/zones", headers=headers).get_json()
    return {item["zone_id"]: item["score"] for item in body["items"]}


def history(tree):
    street, east, west, site, alone = tree
    a, b, c = (UserFactory(roles=["volunteer", "promoter"]) for _ in range(3))
    earn(a, 5, street)
    earn(a, 3, site)
    earn(b, 4, east)
    earn(b, 6, west)
    earn(c, 9, alone)
    earn(c, 1, site)
    return a, b, c


def test_a_zones_boards_count_its_sub_zones(client, tree, auth_headers):
    street, east, west, site, alone = tree
    a, b, c = history(tree)
    headers = auth_headers(a)
    assert board(client, headers, zone_id=street.id) == [(b.id, 10), (a.id, 8), (c.id, 1)]
    assert board(client, headers, zone_id=east.id) == [(b.id, 4), (a.id, 3), (c.id, 1)]
    assert board(client, headers, zone_id=site.id) == [(a.id, 3), (c.id, 1)]
    assert board(client, headers, zone_id=west.id) == [(b.id, 6)]
    assert board(client, headers, "promoters", zone_id=street.id)[0] == (b.id, 10)
    assert zone_scores(client, headers) == {
        street.id: 19,
        east.id: 8,
        alone.id: 9,
        west.id: 6,
        site.id: 4,
    }


def test_an_unknown_zone_is_not_found(client, tree, auth_headers):
    headers = auth_headers(UserFactory(roles=["volunteer"]))
    for name in ("volunteers", "promoters"):
        response = client.get(f"/api/v1/leaderboards/{name}?zone_id=999999", headers=headers)
        assert_error(response, 404, "NOT_FOUND")


def _all_boards(store, zones, members):
    answers = {}
    for name, period, zone in itertools.product(
        ("volunteers", "promoters"), ("week", "month", "all"), (0, *[z.id for z in zones])
    ):
        board_ = Board(name, period_key(period, TODAY), zone)
        for member in members:
            answers[(name, period, zone, member.id)] = leaderboards._read(
                store, board_, member.id, 100, 2
            )
    for period in ("week", "month", "all"):
        answers[("zones", period)] = store.zones(period_key(period, TODAY))
    return answers


def test_a_rebuild_gives_what_the_awards_kept(app, tree):
    members = history(tree)
    kept = _all_boards(SqlBackend(), tree, members)
    leaderboards.rebuild()
    assert _all_boards(SqlBackend(), tree, members) == kept


def move(client, headers, zone, parent):
    response = client.patch(
        f"/api/v1/admin/zones/{zone.id}",
        json={"parent_id": parent.id if parent else None},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()


def test_moving_a_zone_moves_its_points_up_the_new_branch(client, tree, auth_headers):
    street, east, _west, site, alone = tree
    a, b, c = history(tree)
    admin = auth_headers(UserFactory(roles=["admin"]))
    move(client, admin, site, alone)
    headers = auth_headers(a)
    assert board(client, headers, zone_id=street.id) == [(b.id, 10), (a.id, 5)]
    assert board(client, headers, zone_id=alone.id) == [(c.id, 10), (a.id, 3)]
    assert zone_scores(client, headers)[east.id] == 4
    move(client, admin, site, None)
    assert board(client, headers, zone_id=alone.id) == [(c.id, 9)]


@pytest.mark.redis
def test_after_a_move_redis_answers_as_the_table_does(app_factory, auth_headers, clock):
    app = app_factory(POINTS_RULES=UNCAPPED, LEADERBOARD_BACKEND="redis")
    client = app.test_client()
    clock.set(datetime.combine(TODAY, time(2, 0), tzinfo=UTC))
    with app.app_context():
        street = ZoneFactory()
        zones = [street, ZoneFactory(parent_id=street.id), ZoneFactory()]
        members = [UserFactory(roles=["volunteer"]) for _ in range(3)]
        for amount, (member, zone) in enumerate(itertools.product(members, zones), start=1):
            earn(member, amount, zone)
        leaderboards.rebuild()
        move(client, auth_headers(UserFactory(roles=["admin"])), zones[1], zones[2])
        redis_store = RedisBackend.for_app(app)
        assert redis_store.ready()
        assert isinstance(leaderboards.backend(), RedisBackend)
        assert _all_boards(redis_store, zones, members) == _all_boards(SqlBackend(), zones, members)
        moved_in = 8 + 9  # the third member's points in the moved zone and in its new parent
        assert board(client, auth_headers(members[0]), zone_id=zones[2].id)[0] == (
            members[2].id,
            moved_in,
        )
