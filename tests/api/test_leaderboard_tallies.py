"""The boards' tallies (members per score, zone totals, promoters' volunteers) stay equal
to a recount through awards, ties, bans, deletions and parallel awards; ranks read from
them equal ranks counted from the members."""

import itertools
import random

import httpx
import pytest
from sqlalchemy import update

from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.models import LeaderboardScoreCount, PromoterTally
from miniapp_api.points import service as points
from miniapp_api.storage import db, unit_of_work
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from tests.factories import EnrollmentFactory, PromoterFactory, ZoneFactory
from tests.helpers import fire_at_once

UNCAPPED = {"quiz": {"daily_cap": None}}
_refs = itertools.count()


@pytest.fixture
def app(app_factory):
    return app_factory(POINTS_RULES=UNCAPPED)


def earn(user, amount, *, zone_id=None):
    with unit_of_work():
        result = points.award(user, "quiz", f"tally:{next(_refs)}", points=amount, zone_id=zone_id)
    assert result.awarded == amount


def board(client, headers, name="volunteers", **query):
    response = client.get(f"/api/v1/leaderboards/{name}", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def counted_ranks(scores: dict[int, int]) -> dict[int, int]:
    """Each member's rank counted the slow way: 1 + members with a higher score."""
    return {
        uid: 1 + sum(other > score for other in scores.values()) for uid, score in scores.items()
    }


def test_ranks_and_around_from_the_counts_equal_counted_ranks(client, make_user, auth_headers):
    rng = random.Random(17)
    town = ZoneFactory(name="镇")
    street = ZoneFactory(name="街道", parent_id=town.id)
    members = [make_user(roles=["volunteer"]) for _ in range(12)]
    scores = dict.fromkeys((m.id for m in members), 0)
    for _ in range(60):  # ties, and scores in several buckets of 128
        member = rng.choice(members)
        amount = rng.choice([1, 2, 3, 64, 127, 128])
        earn(member, amount, zone_id=rng.choice([town.id, street.id]))
        scores[member.id] += amount
    held = [s for s in scores.values() if s]
    assert len(set(held)) < len(held) and len({s >> 7 for s in held}) >= 3  # what is tested
    assert leaderboards.verify() == []
    expected = counted_ranks({uid: s for uid, s in scores.items() if s})
    for member in members:
        body = board(client, auth_headers(member), around=3)
        assert body["me"] == {
            "rank": expected.get(member.id, len(expected) + 1),
            "score": scores[member.id],
        }
        for item in body["items"] + body["around"]:
            assert item["rank"] == expected[item["user_id"]], item
    ranks = [item["rank"] for item in body["items"]]
    assert ranks == sorted(ranks) and len(ranks) == len(expected)


def test_bans_and_deletions_keep_every_tally_equal_to_a_recount(client, make_user, auth_headers):
    zone = ZoneFactory(name="街道")
    a, b, c = (make_user(roles=["volunteer"]) for _ in range(3))
    earn(a, 5, zone_id=zone.id)
    earn(b, 5, zone_id=zone.id)
    earn(c, 9, zone_id=zone.id)
    zones = board(client, auth_headers(a), "zones")
    assert [(z["zone_id"], z["score"]) for z in zones["items"]] == [(zone.id, 19)]
    with unit_of_work():
        users.set_status(c, "banned")
    assert leaderboards.verify() == []
    assert board(client, auth_headers(a))["me"] == {"rank": 1, "score": 5}
    assert board(client, auth_headers(a), "zones")["items"][0]["score"] == 10
    with unit_of_work():
        users.set_status(c, "active")
    assert board(client, auth_headers(a))["me"] == {"rank": 2, "score": 5}
    with unit_of_work():
        users.delete_account(db.session.merge(b))
    assert leaderboards.verify() == []
    assert board(client, auth_headers(a), "zones")["items"][0]["score"] == 14
    assert board(client, auth_headers(a))["me"] == {"rank": 2, "score": 5}


def test_promoters_board_shows_active_volunteers_from_the_tally(client, app_ctx, auth_headers):
    promoter = PromoterFactory()
    enrolled = [EnrollmentFactory(promoter=promoter) for _ in range(3)]
    leaderboards.rebuild()  # the factory writes enrollments directly
    earn(promoter, 4)
    headers = auth_headers(promoter)

    def shown():
        return board(client, headers, "promoters")["items"][0]["volunteer_count"]

    assert shown() == 3
    first, second = (db.session.get(type(promoter), e.volunteer_id) for e in enrolled[:2])
    with unit_of_work():
        users.set_status(first, "banned")
    assert shown() == 2
    with unit_of_work():
        users.delete_account(second)
    assert shown() == 1
    with unit_of_work():
        users.set_status(first, "active")
    assert shown() == 2
    assert leaderboards.verify() == []


def test_verify_reports_a_wrong_count_until_a_rebuild(app, make_user):
    member = make_user(roles=["volunteer"])
    earn(member, 7)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["leaderboards", "verify"]).exit_code == 0
    with unit_of_work():
        db.session.execute(
            update(LeaderboardScoreCount)
            .where(LeaderboardScoreCount.score == 7, LeaderboardScoreCount.period == "all")
            .values(members=LeaderboardScoreCount.members + 1)
        )
    result = runner.invoke(args=["leaderboards", "verify"])
    assert result.exit_code != 0
    assert "score count ('volunteers', 'all', 0, 7): stored (2,), expected (1,)" in result.output
    leaderboards.rebuild()
    assert runner.invoke(args=["leaderboards", "verify"]).exit_code == 0


@pytest.mark.postgres
def test_parallel_check_ins_at_one_score_keep_the_counts_exact(
    client, live_server, make_user, auth_headers, caplog
):
    """20 volunteers of one zone, all at the same score, check in at the same moment: the
    same score-count and zone-total rows are changed by every one of them."""
    zone = ZoneFactory(name="街道")
    members = [make_user(roles=["volunteer"], zone_id=zone.id) for _ in range(20)]
    for member in members:
        earn(member, 3, zone_id=zone.id)
    headers = [auth_headers(member) for member in members]
    index = iter(range(len(headers)))

    def send():
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return http.post("/api/v1/me/checkin", headers=headers[next(index)])

    responses = fire_at_once(len(headers), send)
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert "retrying" not in caplog.text  # the rows are locked in one order: no deadlock
    db.session.expire_all()
    assert leaderboards.verify() == []
    gained = {r.json()["points_awarded"] for r in responses}
    assert len(gained) == 1
    score = 3 + gained.pop()
    body = board(client, headers[0])
    assert {(i["rank"], i["score"]) for i in body["items"]} == {(1, score)}
    assert body["me"] == {"rank": 1, "score": score}
    zones = board(client, headers[0], "zones")["items"]
    assert [(z["zone_id"], z["score"]) for z in zones] == [(zone.id, 20 * score)]


@pytest.mark.postgres
def test_parallel_bans_of_one_promoters_volunteers_all_count(app, app_ctx):
    """Six of a promoter's volunteers banned at the same moment, each in its own
    transaction: each recount waits for the promoter's lock, so the tally ends at 0."""
    promoter = PromoterFactory()
    volunteer_ids = [EnrollmentFactory(promoter=promoter).volunteer_id for _ in range(6)]
    leaderboards.rebuild()
    promoter_id = promoter.id
    index = iter(range(len(volunteer_ids)))

    def ban():
        with app.app_context(), unit_of_work():
            user = db.session.get(User, volunteer_ids[next(index)])
            users.set_status(user, "banned")

    fire_at_once(len(volunteer_ids), ban)
    db.session.expire_all()
    assert db.session.get(PromoterTally, promoter_id).volunteers == 0
    assert leaderboards.verify() == []
