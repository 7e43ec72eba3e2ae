"""Leaderboards through HTTP and both backends: ranks, ties, periods, zones, visibility."""

import itertools
import random
from datetime import UTC, date, datetime, time

import pytest

from miniapp_api.leaderboards import scores
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.backends import Board, RedisBackend, SqlBackend
from miniapp_api.points import admin_service as points_admin
from miniapp_api.points import service as points
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import period_key
from miniapp_api.users import service as users
from tests.factories import ZoneFactory
from tests.helpers import assert_error

TODAY = date(2026, 11, 18)  # a Wednesday: its week started on Monday 16 November
UNCAPPED = {"quiz": {"daily_cap": None}}
_refs = itertools.count()


@pytest.fixture
def app(app_factory):
    return app_factory(POINTS_RULES=UNCAPPED)


@pytest.fixture
def on_day(clock):
    """Move the app's one clock to 10:00 in Shanghai on `day` (TODAY to begin with)."""

    def set_day(day: date) -> None:
        clock.set(datetime.combine(day, time(2, 0), tzinfo=UTC))

    set_day(TODAY)
    return set_day


def earn(user, amount, *, zone_id=None):
    with unit_of_work():
        result = points.award(user, "quiz", f"t:{next(_refs)}", points=amount, zone_id=zone_id)
    assert result.awarded == amount


def set_status(user, status):
    with unit_of_work():
        users.set_status(user, status)


def board(client, headers, name="volunteers", **query):
    response = client.get(f"/api/v1/leaderboards/{name}", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ranking(body):
    return [(item["rank"], item["user_id"], item["score"]) for item in body["items"]]


def test_ties_share_a_rank_and_the_first_to_reach_a_score_comes_first(
    client, make_user, auth_headers, on_day
):
    a, b, c, d = (make_user(roles=["volunteer"]) for _ in range(4))
    earn(b, 5)
    earn(a, 8)
    earn(c, 3)
    earn(c, 2)  # c reaches 5 after b did
    earn(d, 1)
    body = board(client, auth_headers(a))
    assert ranking(body) == [(1, a.id, 8), (2, b.id, 5), (2, c.id, 5), (4, d.id, 1)]
    assert body["me"] == {"rank": 1, "score": 8}
    assert body["items"][0]["nickname"] == a.nickname
    assert board(client, auth_headers(c))["me"] == {"rank": 2, "score": 5}


def test_spending_never_lowers_a_score_and_admin_adjustments_do_not_count(
    client, make_user, auth_headers, on_day
):
    volunteer = make_user(roles=["volunteer"])
    admin = make_user(roles=["admin"])
    earn(volunteer, 10)
    with unit_of_work():
        points.spend(volunteer.id, 7, "redemption:1")
    points_admin.adjust(volunteer.id, 50, "补录活动积分", admin, None)
    assert board(client, auth_headers(volunteer))["me"] == {"rank": 1, "score": 10}


def test_only_members_are_listed_and_others_have_no_me(client, make_user, auth_headers, on_day):
    volunteer = make_user(roles=["volunteer"])
    resident = make_user()
    promoter = make_user(roles=["promoter"])
    for user in (volunteer, resident, promoter):
        earn(user, 4)
    body = board(client, auth_headers(resident))
    assert ranking(body) == [(1, volunteer.id, 4)]
    assert body["me"] is None
    promoters = board(client, auth_headers(promoter), "promoters")
    assert ranking(promoters) == [(1, promoter.id, 4)]
    assert promoters["items"][0]["volunteer_count"] == 0
    assert promoters["me"] == {"rank": 1, "score": 4}


def test_a_member_without_points_is_ranked_after_everyone_who_has_some(
    client, make_user, auth_headers, on_day
):
    earners = [make_user(roles=["volunteer"]) for _ in range(3)]
    for amount, user in enumerate(earners, start=1):
        earn(user, amount)
    idle = make_user(roles=["volunteer"])
    body = board(client, auth_headers(idle), around=2)
    assert body["me"] == {"rank": 4, "score": 0}
    assert [item["user_id"] for item in body["around"]] == [earners[1].id, earners[0].id]


def test_periods_use_monday_weeks_and_months_in_the_app_time_zone(
    client, make_user, auth_headers, on_day
):
    user = make_user(roles=["volunteer"])
    for day, amount in [
        (date(2026, 10, 30), 1),  # last month
        (date(2026, 11, 15), 10),  # this month, last week (a Sunday)
        (date(2026, 11, 16), 100),  # this week's Monday
    ]:
        on_day(day)
        earn(user, amount)
    on_day(TODAY)
    headers = auth_headers(user)
    scores = {p: board(client, headers, period=p)["me"]["score"] for p in ("week", "month", "all")}
    assert scores == {"week": 100, "month": 110, "all": 111}
    assert board(client, headers)["period"] == "week"  # the default


def test_the_local_date_decides_the_period(app_ctx, make_user, clock):
    """A point earned at 00:30 on Monday in Shanghai (Sunday 16:30 UTC) counts this week."""
    clock.set(datetime(2026, 11, 15, 16, 30, tzinfo=UTC))
    user = make_user(roles=["volunteer"])
    earn(user, 3)
    week = Board("volunteers", period_key("week", TODAY), 0)
    assert SqlBackend().key_of(week, user.id) is not None


def test_banned_and_deleted_users_are_hidden_and_unbanned_ones_return(
    client, make_user, auth_headers, on_day
):
    viewer, banned, deleted = (make_user(roles=["volunteer"]) for _ in range(3))
    earn(viewer, 1)
    earn(banned, 5)
    earn(deleted, 9)
    set_status(banned, "banned")
    users.delete_account(deleted)
    assert ranking(board(client, auth_headers(viewer))) == [(1, viewer.id, 1)]
    set_status(banned, "active")
    assert ranking(board(client, auth_headers(viewer))) == [(1, banned.id, 5), (2, viewer.id, 1)]


def test_a_new_volunteer_brings_the_points_already_earned(client, make_user, auth_headers, on_day):
    resident = make_user()
    earn(resident, 6)
    with unit_of_work():
        users.grant_roles(resident, ["volunteer"])
    assert board(client, auth_headers(resident))["me"] == {"rank": 1, "score": 6}


def test_zone_boards_count_points_earned_in_the_zone(client, make_user, auth_headers, on_day):
    first, second = ZoneFactory(), ZoneFactory()
    a, b, c = (make_user(roles=["volunteer"]) for _ in range(3))
    earn(a, 5, zone_id=first.id)
    earn(a, 20, zone_id=second.id)
    earn(b, 7, zone_id=first.id)
    earn(c, 7, zone_id=second.id)
    earn(c, 1)  # no zone: city-wide only
    headers = auth_headers(a)
    assert ranking(board(client, headers, zone_id=first.id)) == [(1, b.id, 7), (2, a.id, 5)]
    city = board(client, headers)
    assert ranking(city) == [(1, a.id, 25), (2, c.id, 8), (3, b.id, 7)]
    zones = client.get("/api/v1/leaderboards/zones", headers=headers).get_json()
    assert [(z["rank"], z["zone_id"], z["score"]) for z in zones["items"]] == [
        (1, second.id, 27),
        (2, first.id, 12),
    ]
    outside = board(client, auth_headers(c), zone_id=first.id)
    assert outside["me"] == {"rank": 3, "score": 0}


def test_limit_and_around(client, make_user, auth_headers, on_day):
    members = [make_user(roles=["volunteer"]) for _ in range(8)]
    for amount, user in enumerate(members, start=1):
        earn(user, amount * 2 if amount != 4 else 10)  # 4th ties with 5th at 10
    me = members[2]  # 6 points
    body = board(client, auth_headers(me), limit=3, around=2)
    assert [item["score"] for item in body["items"]] == [16, 14, 12]
    assert body["me"] == {"rank": 6, "score": 6}
    assert [(i["rank"], i["score"]) for i in body["around"]] == [
        (4, 10),
        (4, 10),
        (6, 6),
        (7, 4),
        (8, 2),
    ]
    assert body["around"][0]["user_id"] == members[3].id  # reached 10 first


@pytest.mark.parametrize(
    "query",
    ["limit=101", "limit=0", "period=year", "around=-1", "zone_id=abc", "zone_id=0"],
)
def test_bad_queries_are_validation_errors(client, make_user, auth_headers, query):
    user = make_user(roles=["volunteer"])
    response = client.get(f"/api/v1/leaderboards/volunteers?{query}", headers=auth_headers(user))
    assert_error(response, 422, "VALIDATION_ERROR")


def test_leaderboards_need_a_login(client):
    assert_error(client.get("/api/v1/leaderboards/volunteers"), 401, "UNAUTHORIZED")


def test_rebuild_recomputes_the_summary_from_the_ledger(app_ctx, make_user, on_day):
    users_ = [make_user(roles=["volunteer", "promoter"]) for _ in range(3)]
    for amount, user in enumerate(users_, start=1):
        earn(user, amount, zone_id=amount)
    week = Board("volunteers", period_key("week", TODAY), 0)
    before = SqlBackend().top(week, 10)
    db.session.execute(db.text("DELETE FROM leaderboard_scores"))
    db.session.commit()
    counts = leaderboards.rebuild()
    assert SqlBackend().top(week, 10) == before
    assert counts == {"week": 12, "month": 12, "all": 12}  # 3 users x 2 boards x (city + zone)


# ---- the Redis backend -----------------------------------------------------


def _zone_tree() -> list[int]:
    """Five zones: a street with two communities, a site in the first community, and a
    zone on its own. Returns their ids, the street first."""
    street = ZoneFactory()
    east = ZoneFactory(parent_id=street.id, kind="community")
    west = ZoneFactory(parent_id=street.id, kind="community")
    site = ZoneFactory(parent_id=east.id, kind="site")
    alone = ZoneFactory()
    return [street.id, east.id, west.id, site.id, alone.id]


def _random_history(make_user, on_day, seed: int, zones: list[int]):
    """Users with mixed roles, awards over three months in nested zones, bans and a
    late enrollment: a history that exercises every path of both backends."""
    rng = random.Random(seed)
    roles = [["volunteer"], ["promoter"], ["volunteer", "promoter"], []]
    people = [make_user(roles=rng.choice(roles)) for _ in range(24)]
    days = [date(2026, 9, 28), date(2026, 10, 30), date(2026, 11, 9), date(2026, 11, 16), TODAY]
    for _ in range(160):
        on_day(rng.choice(days))
        earn(
            rng.choice(people),
            rng.choice([1, 2, 2, 3, 5]),
            zone_id=rng.choice([None, *zones]),
        )
    set_status(people[0], "banned")
    users.delete_account(people[1])
    with unit_of_work():
        users.grant_roles(people[2], ["volunteer"])
    on_day(TODAY)
    return [person.id for person in people]


def _everything(store, user_ids, zones):
    answers = {}
    for name, period, zone in itertools.product(
        scores.BOARDS, ("week", "month", "all"), (0, *zones)
    ):
        board_ = Board(name, period_key(period, TODAY), zone)
        for user_id in user_ids:
            top, me, around = leaderboards._read(store, board_, user_id, 100, 3)
            answers[(name, period, zone, user_id)] = (top, me, around)
    for period in ("week", "month", "all"):
        answers[("zones", period)] = store.zones(period_key(period, TODAY))
    return answers


@pytest.mark.redis
def test_both_backends_give_identical_answers_for_the_same_history(app_factory, make_user, on_day):
    app = app_factory(POINTS_RULES=UNCAPPED, LEADERBOARD_BACKEND="redis")
    with app.app_context():
        zones = _zone_tree()
        user_ids = _random_history(make_user, on_day, seed=7, zones=zones)
        redis_store = RedisBackend.for_app(app)
        assert not redis_store.ready()  # not built yet: reads use SQL
        assert isinstance(leaderboards.backend(), SqlBackend)
        sql_answers = _everything(SqlBackend(), user_ids, zones)
        assert _everything(redis_store, user_ids, zones) == sql_answers  # kept in step
        leaderboards.rebuild()
        assert redis_store.ready()
        assert isinstance(leaderboards.backend(), RedisBackend)
        assert _everything(redis_store, user_ids, zones) == sql_answers
        assert _everything(SqlBackend(), user_ids, zones) == sql_answers
        top_week = sql_answers[("volunteers", "week", 0, user_ids[3])][0]
        assert top_week, "the history must put someone on this week's board"
        street, east, west, site, _alone = zones

        def scores_on(zone):  # member -> score on the all-time volunteers board
            top = sql_answers[("volunteers", "all", zone, user_ids[3])][0]
            return {line.member_id: line.score for line in top}

        on_street, on_east, on_west, on_site = map(scores_on, (street, east, west, site))
        assert on_site and on_west, "the history must earn in the nested zones"
        for member, score in on_street.items():  # the street counts its communities' points
            assert score >= on_east.get(member, 0) + on_west.get(member, 0)
        assert all(on_east[member] >= score for member, score in on_site.items())


@pytest.mark.redis
def test_the_redis_backend_serves_the_api_and_stays_in_step(
    app_factory, make_user, auth_headers, on_day
):
    app = app_factory(POINTS_RULES=UNCAPPED, LEADERBOARD_BACKEND="redis")
    client = app.test_client()
    with app.app_context():
        a, b = (make_user(roles=["volunteer"]) for _ in range(2))
        leaderboards.rebuild()
        earn(a, 3)
        earn(b, 4)
        earn(a, 2, zone_id=ZoneFactory().id)
        assert isinstance(leaderboards.backend(), RedisBackend)
        body = board(client, auth_headers(b))
        assert ranking(body) == [(1, a.id, 5), (2, b.id, 4)]
        set_status(a, "banned")
        assert ranking(board(client, auth_headers(b))) == [(1, b.id, 4)]
        zones = client.get("/api/v1/leaderboards/zones", headers=auth_headers(b)).get_json()
        assert zones["items"] == []  # a's points in the zone left with a


def test_an_unreachable_redis_falls_back_to_sql(app_factory, make_user, auth_headers, on_day):
    app = app_factory(
        POINTS_RULES=UNCAPPED,
        REDIS_URL="redis://127.0.0.1:1/0",
        LEADERBOARD_BACKEND="redis",
    )
    with app.app_context():
        user = make_user(roles=["volunteer"])
        earn(user, 4)  # the lost Redis write is logged, the award stands
        body = board(app.test_client(), auth_headers(user))
        assert body["me"] == {"rank": 1, "score": 4}


@pytest.mark.redis
def test_a_hung_redis_that_answers_again_serves_no_stale_board(
    app_factory, make_user, auth_headers, on_day, monkeypatch
):
    """Defect 11 of the attack report: Redis hung during an award, so its "ready" marker
    could not even be removed; when it answered again it showed 10 points for 11. The
    lost update is recorded in the database: reads use SQL until the next rebuild."""
    import redis

    app = app_factory(POINTS_RULES=UNCAPPED, LEADERBOARD_BACKEND="redis")
    client = app.test_client()
    with app.app_context():
        user = make_user(roles=["volunteer"])
        headers = auth_headers(user)
        earn(user, 10)
        leaderboards.rebuild()

        def hung(*_args, **_kwargs):
            raise redis.TimeoutError("Redis does not answer")

        with monkeypatch.context() as patch:
            patch.setattr(redis.client.Pipeline, "execute", hung)
            patch.setattr(redis.Redis, "delete", hung)
            earn(user, 1)  # committed in the database; Redis never hears of it
        assert RedisBackend.for_app(app).ready()  # Redis still says it is complete
        assert isinstance(leaderboards.backend(), SqlBackend)
        assert board(client, headers)["me"] == {"rank": 1, "score": 11}
        leaderboards.rebuild()
        assert isinstance(leaderboards.backend(), RedisBackend)
        assert board(client, headers)["me"] == {"rank": 1, "score": 11}
