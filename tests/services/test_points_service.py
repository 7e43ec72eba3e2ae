"""The award service: once per cause, daily caps, the cached balance, streaks."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db, unit_of_work
from miniapp_api.users.models import User


def ledger(user) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.ref, PointsEntry.delta)
        .where(PointsEntry.user_id == user.id)
        .order_by(PointsEntry.id)
    )
    return [tuple(row) for row in rows]


def award(user, reason, ref, **kwargs):
    with unit_of_work():
        return points.award(user, reason, ref, **kwargs)


def test_same_cause_pays_once(make_user):
    """A second award for the same (reason, ref) credits nothing."""
    user = make_user()
    assert award(user, "article_read", "article:1").awarded == 2
    again = award(user, "article_read", "article:1")
    assert (again.awarded, again.duplicate) == (0, True)
    assert user.points_balance == 2
    assert ledger(user) == [("article_read", "article:1", 2)]


def test_points_cap_is_enforced_per_day_and_partially(make_user):
    """Reading pays 2 a time up to 10 a day; the last award is cut to fit."""
    user = make_user()
    results = [award(user, "article_read", f"article:{n}").awarded for n in range(7)]
    assert results == [2, 2, 2, 2, 2, 0, 0]
    cut = award(user, "quiz", "session:1", points=15)
    assert cut.awarded == 15
    last = award(user, "quiz", "session:2", points=15)
    assert (last.awarded, last.capped) == (5, True)
    assert user.points_balance == 10 + 20


def test_times_cap_counts_awards(make_user):
    """Event check-ins pay 10 each, three times a day."""
    user = make_user()
    paid = [award(user, "event_checkin", f"event:{n}").awarded for n in range(4)]
    assert paid == [10, 10, 10, 0]


def test_recruit_rewards_share_one_cap(app_ctx, make_user):
    """`recruit` and `recruit_qualified` together stop at 100 points a day."""
    promoter = make_user()
    for n in range(20):
        award(promoter, "recruit", f"volunteer:{n}")
        award(promoter, "recruit_qualified", f"volunteer:{n}")
    assert promoter.points_balance == 100


def test_configured_rules_override_the_defaults(app_factory):
    """POINTS_RULES changes points and caps, and GET /points/rules shows them."""
    app = app_factory(POINTS_RULES={"article_read": {"points": 3, "daily_cap": 6}})
    body = app.test_client().get("/api/v1/points/rules").get_json()
    rule = next(r for r in body["rules"] if r["reason"] == "article_read")
    assert (rule["points"], rule["daily_cap"], rule["cap_unit"]) == (3, 6, "points")
    assert body["timezone"] == "Asia/Shanghai"


def test_unknown_rule_in_configuration_refuses_to_start(app_factory):
    """A typo in POINTS_RULES stops the app at start-up."""
    from miniapp_api.config import ConfigError

    with pytest.raises(ConfigError, match="artcle_read"):
        app_factory(POINTS_RULES={"artcle_read": {"points": 3}})


def test_spending_never_goes_negative(make_user):
    """A debit larger than the balance raises and writes nothing."""
    user = make_user()
    award(user, "enrolled", "once")
    with pytest.raises(points.InsufficientPoints), unit_of_work():
        points.spend(user.id, 11, "redemption:1")
    with unit_of_work():
        points.spend(user.id, 10, "redemption:2")
    db.session.refresh(user)
    assert user.points_balance == 0
    assert [row[0] for row in ledger(user)] == ["enrolled", "redeem"]


def test_checkin_streak_bonus_on_every_seventh_day(make_user, clock):
    """Days 1–6 pay 1, day 7 pays 6, day 8 pays 1 again; a gap restarts the streak."""
    user = make_user()
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    paid = []
    for offset in [*range(8), 10]:
        clock.set(start + timedelta(days=offset))
        result = points.check_in(user)
        paid.append((result.streak, result.points_awarded))
    assert paid == [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 6), (8, 1), (1, 1)]
    with pytest.raises(points.AlreadyCheckedIn):
        points.check_in(user)


def test_verify_finds_a_drifted_balance(make_user):
    """`flask points verify` logic: a cached balance that differs from the sum is reported."""
    user = make_user()
    award(user, "enrolled", "once")
    assert points.verify_balances() == []
    db.session.execute(User.__table__.update().values(points_balance=99))
    db.session.commit()
    assert points.verify_balances() == [(user.id, 99, 10)]


def test_parallel_awards_respect_the_cap_and_pay_once(app, make_user):
    """Ten threads award reading points for six articles at once (two of them twice):
    the daily cap and once-per-article both hold."""
    user = make_user()
    user_id = user.id  # the fixture's object belongs to the main thread's session
    # Fewer threads than the connection pool holds, so none waits for a connection.
    barrier = threading.Barrier(10)
    errors = []

    def worker(n: int) -> None:
        with app.app_context():
            target = db.session.get(User, user_id)
            barrier.wait(timeout=30)
            try:
                with unit_of_work():
                    points.award(target, "article_read", f"article:{n % 6}")
            except Exception as exc:  # any failure is a finding
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    total = db.session.scalar(
        select(func.sum(PointsEntry.delta)).where(PointsEntry.user_id == user.id)
    )
    assert total == 10
    assert db.session.get(User, user.id).points_balance == 10
    assert points.verify_balances() == []
