"""Redeeming and cancelling as use cases, without HTTP: all of it or nothing."""

import pytest
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.errors import NotFound
from miniapp_api.points import admin_service as points_admin
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.rewards import admin_service, service
from miniapp_api.rewards.models import CANCELLED, Redemption, Reward
from miniapp_api.storage import db
from tests.factories import (
    RedemptionFactory,
    RewardFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)


@pytest.fixture
def officer(app_ctx):
    return UserFactory(roles=["admin"])


def resident_with(points_balance: int, officer):
    user = UserFactory()
    points_admin.adjust(user.id, points_balance, "测试发放", officer, None)
    db.session.refresh(user)
    return user


def stock_of(reward_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Reward, reward_id).stock


def redemptions_of(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Redemption).where(Redemption.user_id == user_id)
    )


def test_redeem_takes_points_and_one_unit_of_stock(officer):
    user = resident_with(25, officer)
    reward = RewardFactory(points_cost=10, stock=2)
    redemption = service.redeem(user, reward.id, None)
    assert redemption.code and redemption.points_cost == 10
    db.session.refresh(user)
    assert (user.points_balance, stock_of(reward.id)) == (15, 1)
    assert points.verify_balances() == []


def test_insufficient_points_writes_nothing(officer):
    user = resident_with(5, officer)
    reward = RewardFactory(points_cost=10, stock=2)
    with pytest.raises(points.InsufficientPoints):
        service.redeem(user, reward.id, None)
    assert (stock_of(reward.id), redemptions_of(user.id)) == (2, 0)


def test_a_failure_after_the_stock_was_taken_leaves_nothing_behind(officer, monkeypatch):
    """The stock UPDATE and the redemption row are written before the points are spent;
    when spending fails the whole use case rolls back."""
    user = resident_with(50, officer)
    reward = RewardFactory(points_cost=10, stock=3)

    def broken_spend(*_args, **_kwargs):
        raise RuntimeError("the ledger is unavailable")

    monkeypatch.setattr(service.points, "spend", broken_spend)
    with pytest.raises(RuntimeError):
        service.redeem(user, reward.id, None)
    assert (stock_of(reward.id), redemptions_of(user.id)) == (3, 0)
    db.session.refresh(user)
    assert user.points_balance == 50


def test_the_same_idempotency_key_returns_the_first_redemption(officer):
    user = resident_with(50, officer)
    reward = RewardFactory(points_cost=10, stock=5)
    first = service.redeem(user, reward.id, "key-1")
    again = service.redeem(user, reward.id, "key-1")
    assert again.id == first.id
    assert (stock_of(reward.id), redemptions_of(user.id)) == (4, 1)


def test_out_of_stock_and_the_per_user_limit(officer):
    user = resident_with(100, officer)
    empty = RewardFactory(stock=0)
    with pytest.raises(service.OutOfStock):
        service.redeem(user, empty.id, None)
    limited = RewardFactory(stock=5, per_user_limit=1)
    service.redeem(user, limited.id, None)
    with pytest.raises(service.LimitReached):
        service.redeem(user, limited.id, None)


def test_cancel_gives_points_and_stock_back_once(officer):
    user = resident_with(20, officer)
    reward = RewardFactory(points_cost=10, stock=1)
    redemption = service.redeem(user, reward.id, None)
    cancelled = admin_service.cancel(redemption.id, officer)
    assert cancelled.status == CANCELLED
    with pytest.raises(admin_service.RedemptionNotPending):
        admin_service.cancel(redemption.id, officer)
    db.session.refresh(user)
    assert (user.points_balance, stock_of(reward.id)) == (20, 1)
    refunds = db.session.scalar(
        select(func.count()).where(PointsEntry.user_id == user.id, PointsEntry.reason == "refund")
    )
    assert refunds == 1


# ---- the pickup desk, by zone ---------------------------------------------------------------


def test_officers_see_and_decide_the_redemptions_in_their_reach(officer):
    zone, other = ZoneFactory(), ZoneFactory()
    user = resident_with(30, officer)
    user.zone_id = zone.id
    db.session.commit()
    reward = RewardFactory(points_cost=10)
    mine = service.redeem(user, reward.id, None)
    assert mine.zone_id == zone.id
    theirs = RedemptionFactory(user=UserFactory(zone_id=other.id))
    station = StationAdminFactory(zone=zone)
    page = admin_service.redemptions(station, None, None, 1, 20)
    assert [r.id for r in page.items] == [mine.id]
    found = admin_service.redemptions(station, None, f" {mine.code.lower()} ", 1, 20)
    assert [r.id for r in found.items] == [mine.id]
    assert admin_service.redemptions(station, None, theirs.code, 1, 20).items == []
    with pytest.raises(NotFound):
        admin_service.fulfil(theirs.id, station)
    with pytest.raises(NotFound):
        admin_service.cancel(theirs.id, station)
    admin_service.cancel(mine.id, station)
    db.session.refresh(user)
    assert (user.points_balance, stock_of(reward.id)) == (30, 5)
    cancels = select(AuditEntry).where(AuditEntry.action == "redemption.cancel")
    entry = db.session.scalars(cancels).one()
    assert (entry.actor_id, entry.object_id, entry.zone_id) == (station.id, str(mine.id), zone.id)
