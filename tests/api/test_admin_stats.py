"""GET /admin/stats against figures computed by hand on a small data set: zones A (with
the sub-zone A1) and B, four days (15–18 November, the 18th is today: live), on SQLite
and PostgreSQL, live and from the rollup; station admins' scoping."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from miniapp_api.articles.models import ArticleRead
from miniapp_api.points.models import PointsEntry
from miniapp_api.quizzes.models import QuizSession
from miniapp_api.storage import db
from miniapp_api.zones.models import Enrollment, EventCheckin
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    EventFactory,
    PromoterFactory,
    QuestionFactory,
    QuizSessionFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import assert_error

STATS = "/api/v1/admin/stats"
SHANGHAI = ZoneInfo("Asia/Shanghai")
RANGE = {"from": "2026-11-15", "to": "2026-11-18"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in November 2026."""
    return datetime.combine(date(2026, 11, day), time(hour, minute), tzinfo=SHANGHAI)


def user(day: int, factory=UserFactory, **kwargs):
    person = factory(**kwargs)
    person.created_at = at(day, 8)
    return person


def enrol(volunteer, promoter, day: int) -> None:
    db.session.add(
        Enrollment(
            volunteer_id=volunteer.id, promoter_id=promoter.id, zone_id=promoter.zone_id,
            decision="inside", distance_to_edge_m=100.0, accuracy_m=10.0,
            created_at=at(day, 10),
        )
    )  # fmt: skip
    volunteer.zone_id = promoter.zone_id


def read(person, article, opened: datetime, finished: datetime | None) -> None:
    db.session.add(
        ArticleRead(user_id=person.id, article_id=article.id, opened_at=opened, read_at=finished)
    )


def quiz(person, day: int, score: int, answers: list, *, flagged: bool = False) -> None:
    session = QuizSessionFactory(
        user=person, started_at=at(day, 12), questions=[q for q, _ in answers]
    )
    session.submitted_at, session.score, session.flagged = at(day, 12, 5), score, flagged
    for item, (_, right) in zip(session.questions, answers, strict=True):
        item.answered_at, item.correct = at(day, 12, 3), right


def ledger(person, day: int, reason: str, delta: int) -> None:
    db.session.add(
        PointsEntry(
            user_id=person.id, delta=delta, reason=reason, ref=f"{reason}:{day}",
            zone_id=person.zone_id, local_date=date(2026, 11, day), created_at=at(day, 13),
        )
    )  # fmt: skip


def build() -> SimpleNamespace:
    """Described day by day in the module's expected figures."""
    a = ZoneFactory(name="甲街道", kind="town")
    a1 = ZoneFactory(name="甲一社区", kind="community", parent_id=a.id)
    b = ZoneFactory(name="乙街道", kind="town")
    admin = UserFactory(roles=["admin"])  # both created today (the 18th), no zone
    officer = StationAdminFactory(zone=a)
    pa = user(15, PromoterFactory, zone=a1)
    pb = user(15, PromoterFactory, zone=b)
    ua = user(15, zone_id=a.id)
    v1, vb = user(16, roles=["volunteer"]), user(16, roles=["volunteer"])
    v2, resident = user(17, roles=["volunteer"]), user(17)
    enrol(v1, pa, 16), enrol(vb, pb, 16), enrol(v2, pa, 17)
    x, y = ArticleFactory(title="冒充客服"), ArticleFactory(title="刷单返利")
    read(v1, x, at(16, 9), at(16, 9, 1))
    read(vb, x, at(16, 20), at(16, 20, 1))
    read(v1, y, at(17, 9), at(17, 9, 2))
    read(vb, y, at(17, 0, 20), at(17, 0, 30))  # just after midnight: the 17th
    read(resident, x, at(17, 21), None)  # opened only: active, not a read
    one, two = CategoryFactory(slug="cat-one", name="类型一"), CategoryFactory(slug="cat-two")
    q1, q2 = QuestionFactory(category=one), QuestionFactory(category=one)
    q3 = QuestionFactory(category=two)
    quiz(v1, 16, 80, [(q1, True), (q2, False)])
    quiz(v2, 17, 50, [(q1, False), (q2, False)])
    quiz(vb, 17, 100, [(q1, True), (q3, True)])
    quiz(ua, 17, 30, [(q3, False)], flagged=True)  # a session, its answers not counted
    event = EventFactory(promoter=pa)
    db.session.add(EventCheckin(event_id=event.id, user_id=v2.id, distance_m=5.0,
                                created_at=at(17, 15)))  # fmt: skip
    ledger(v1, 16, "article_read", 2), ledger(v1, 16, "enrolled", 5)
    ledger(pa, 16, "recruit", 3), ledger(v1, 17, "redeem", -10)
    ledger(ua, 17, "admin_adjust", 4), ledger(vb, 17, "quiz", 10)
    ledger(v2, 18, "daily_checkin", 1)
    db.session.commit()
    ids = SimpleNamespace(a=a.id, a1=a1.id, b=b.id, x=x.id, y=y.id, q1=q1.id, q2=q2.id)
    return SimpleNamespace(admin=admin, officer=officer, ids=ids)


@pytest.fixture
def world(app_ctx, clock):  # the clock stands at 2026-11-18 10:00 in Shanghai
    return build()


def figures(**values) -> dict:
    base = dict.fromkeys(
        ("new_users", "articles_read", "quiz_sessions", "enrollments", "event_checkins",
         "points_issued", "points_redeemed"), 0,
    )  # fmt: skip
    return {**base, "quiz_average_score": None, "participation_rate": None, **values}


def day(on: str, active=0, volunteers=0, enrolled=0, **values) -> dict:
    return figures(day=on, active_users=active, active_volunteers=volunteers,
                   enrolled_volunteers=enrolled, **values)  # fmt: skip


CITY_DAYS = [
    day("2026-11-15", new_users=3),
    day("2026-11-16", 3, 2, 2, new_users=2, articles_read=2, quiz_sessions=1,
        quiz_average_score=80.0, enrollments=2, points_issued=10, participation_rate=1.0),
    day("2026-11-17", 5, 3, 3, new_users=2, articles_read=2, quiz_sessions=3,
        quiz_average_score=60.0, enrollments=1, event_checkins=1, points_issued=10,
        points_redeemed=10, participation_rate=1.0),
    day("2026-11-18", 1, 1, 3, new_users=2, points_issued=1, participation_rate=0.3333),
]  # fmt: skip
CITY_TOTALS = figures(
    average_daily_active_users=2.25,
    active_user_days=9,
    enrolled_volunteers=3,
    new_users=9,
    articles_read=4,
    quiz_sessions=4,
    quiz_average_score=65.0,
    enrollments=3,
    event_checkins=1,
    points_issued=21,
    points_redeemed=10,
    participation_rate=0.75,
)
STATION_TOTALS = figures(
    average_daily_active_users=1.5,
    active_user_days=6,
    enrolled_volunteers=2,
    new_users=4,
    articles_read=2,
    quiz_sessions=3,
    quiz_average_score=53.33,
    enrollments=2,
    event_checkins=1,
    points_issued=11,
    points_redeemed=10,
    participation_rate=0.8,
)


def zone(zone_id, name, **values) -> dict:
    return {**figures(**values), "zone_id": zone_id, "zone_name": name}


def expected_zones(ids) -> list[dict]:
    return [
        zone(ids.a, "甲街道", average_daily_active_users=0.25, active_user_days=1,
             enrolled_volunteers=0, new_users=1, quiz_sessions=1, quiz_average_score=30.0),
        zone(ids.a1, "甲一社区", average_daily_active_users=1.25, active_user_days=5,
             enrolled_volunteers=2, new_users=3, articles_read=2, quiz_sessions=2,
             quiz_average_score=65.0, enrollments=2, event_checkins=1, points_issued=11,
             points_redeemed=10, participation_rate=0.8),
        zone(ids.b, "乙街道", average_daily_active_users=0.5, active_user_days=2,
             enrolled_volunteers=1, new_users=2, articles_read=2, quiz_sessions=1,
             quiz_average_score=100.0, enrollments=1, points_issued=10, participation_rate=0.6667),
        zone(None, "未归属区域", average_daily_active_users=0.25, active_user_days=1,
             enrolled_volunteers=0, new_users=3),
    ]  # fmt: skip


def get_stats(client, headers, **args) -> dict:
    response = client.get(STATS, query_string={**RANGE, **args}, headers=headers)
    body = response.get_json()
    assert response.status_code == 200, body
    return body


def assert_citywide(body: dict, ids) -> None:
    assert (body["from"], body["to"], body["zone_id"]) == ("2026-11-15", "2026-11-18", None)
    assert body["days"] == CITY_DAYS
    assert body["totals"] == CITY_TOTALS
    assert body["zones"] == expected_zones(ids)
    assert body["top_articles"] == [
        {"article_id": ids.x, "title": "冒充客服", "reads": 2},
        {"article_id": ids.y, "title": "刷单返利", "reads": 2},
    ]
    categories = [(c["category"], c["answered"], c["correct"], c["facility"])
                  for c in body["weakest_categories"]]  # fmt: skip
    assert categories == [("cat-one", 5, 2, 0.4), ("cat-two", 1, 1, 1.0)]
    questions = [(q["question_id"], q["answered"], q["missed"], q["facility"])
                 for q in body["most_missed_questions"]]  # fmt: skip
    assert questions == [(ids.q2, 2, 2, 0.0), (ids.q1, 3, 1, 0.6667)]


def test_live_figures_match_the_hand_computed_ones(client, world, auth_headers):
    assert_citywide(get_stats(client, auth_headers(world.admin)), world.ids)


def test_the_rollup_gives_the_same_figures(app, client, world, auth_headers):
    result = app.test_cli_runner().invoke(
        args=["stats", "rollup", "--from", "2026-11-15", "--to", "2026-11-18"]
    )
    assert result.exit_code == 0, result.output
    assert "4 day(s)" in result.output
    db.session.query(QuizSession).delete()  # the rolled-up days no longer read the sources
    db.session.query(ArticleRead).delete()
    db.session.commit()
    body = get_stats(client, auth_headers(world.admin))  # today too: rolled up, not live
    assert body["days"] == CITY_DAYS
    assert body["totals"] == CITY_TOTALS
    assert body["zones"] == expected_zones(world.ids)
    assert body["totals"]["quiz_sessions"] == 4
    assert body["totals"]["articles_read"] == 4
    assert [a["reads"] for a in body["top_articles"]] == [2, 2]
    assert body["weakest_categories"][0]["facility"] == 0.4


def test_a_station_admin_sees_its_zones_with_the_zones_below(client, world, auth_headers):
    headers, ids = auth_headers(world.officer), world.ids
    body = get_stats(client, headers)
    assert body["totals"] == STATION_TOTALS
    assert [z["zone_id"] for z in body["zones"]] == [ids.a, ids.a1]
    assert [(c["category"], c["answered"], c["correct"]) for c in body["weakest_categories"]] == [
        ("cat-one", 4, 1)
    ]
    assert [(q["question_id"], q["missed"]) for q in body["most_missed_questions"]] == [
        (ids.q2, 2),
        (ids.q1, 1),
    ]
    sub = get_stats(client, headers, zone_id=ids.a1)
    assert [z["zone_id"] for z in sub["zones"]] == [ids.a1]
    assert sub["totals"]["new_users"] == 3
    assert_error(client.get(STATS, query_string={"zone_id": ids.b}, headers=headers), 404,
                 "NOT_FOUND")  # fmt: skip
    assert_error(client.get(STATS, query_string={"zone_id": 999999}, headers=headers), 404,
                 "NOT_FOUND")  # fmt: skip


def test_the_default_range_is_the_last_30_days(client, world, auth_headers):
    body = client.get(STATS, headers=auth_headers(world.admin)).get_json()
    assert (body["from"], body["to"]) == ("2026-10-20", "2026-11-18")
    assert len(body["days"]) == 30
    assert body["totals"]["new_users"] == 9


@pytest.mark.parametrize(
    "args",
    [{"from": "2025-11-17", "to": "2026-11-18"}, {"from": "2026-11-18", "to": "2026-11-17"},
     {"from": "2026-13-01"}, {"zone_id": "x"}],
)  # fmt: skip
def test_bad_ranges_are_refused(client, world, auth_headers, args):
    response = client.get(STATS, query_string=args, headers=auth_headers(world.admin))
    assert_error(response, 422, "VALIDATION_ERROR")


def test_residents_may_not_read_statistics(client, world, auth_headers):
    assert_error(client.get(STATS, headers=auth_headers(UserFactory())), 403, "FORBIDDEN")
