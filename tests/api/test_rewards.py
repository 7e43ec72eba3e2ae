"""Rewards: the catalogue, redeeming, admin fulfil/cancel, and races on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from miniapp_api.points import admin_service as points_admin
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.factories import UserFactory
from tests.helpers import assert_error, fire_at_once


def give_points(user: User, amount: int) -> None:
    points_admin.adjust(user.id, amount, "测试发放", UserFactory(roles=["admin"]), None)


def add_reward(**values) -> int:
    values = {"name": "防诈骗手提袋", "points_cost": 10, "stock": 5, **values}
    reward = Reward(**values)
    db.session.add(reward)
    db.session.commit()
    return reward.id


def redeem(client, headers, reward_id, key=None):
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(f"/api/v1/rewards/{reward_id}/redeem", headers=headers)


def test_redeem_takes_points_and_stock_and_returns_a_code(client, make_user, auth_headers):
    """A redemption costs the points and one unit; the code is 8 unambiguous characters."""
    user = make_user()
    give_points(user, 25)
    reward_id = add_reward(points_cost=10, stock=2)
    response = redeem(client, auth_headers(user), reward_id)
    body = response.get_json()
    assert response.status_code == 201, body
    assert body["status"] == "pending" and body["reward"]["id"] == reward_id
    assert len(body["code"]) == 8 and not set(body["code"]) & set("01OI")
    db.session.expire_all()
    assert db.session.get(User, user.id).points_balance == 15
    assert db.session.get(Reward, reward_id).stock == 1
    mine = client.get("/api/v1/me/redemptions", headers=auth_headers(user)).get_json()
    assert [item["code"] for item in mine["items"]] == [body["code"]]
    export = client.get("/api/v1/me/export", headers=auth_headers(user)).get_json()
    assert [r["code"] for r in export["redemptions"]] == [body["code"]]
    assert [row["reason"] for row in export["points_ledger"]] == ["admin_adjust", "redeem"]


def test_redeem_errors(client, make_user, auth_headers):
    """Too few points, no stock, the per-user limit, closed window, unknown reward."""
    user = make_user()
    give_points(user, 100)
    headers = auth_headers(user)
    assert_error(redeem(client, headers, add_reward(points_cost=500)), 409, "INSUFFICIENT_POINTS")
    assert_error(redeem(client, headers, add_reward(stock=0)), 409, "OUT_OF_STOCK")
    limited = add_reward(per_user_limit=1)
    assert redeem(client, headers, limited).status_code == 201
    assert_error(redeem(client, headers, limited), 409, "LIMIT_REACHED")
    later = add_reward(starts_at=datetime.now(UTC) + timedelta(days=1))
    assert_error(redeem(client, headers, later), 409, "REWARD_UNAVAILABLE")
    assert_error(redeem(client, headers, 999999), 404, "NOT_FOUND")
    db.session.expire_all()
    assert db.session.get(User, user.id).points_balance == 90
    assert points.verify_balances() == []


def test_catalogue_shows_only_what_can_be_redeemed_now(app_ctx, client):
    """Inactive, future and past rewards are hidden; cheapest first."""
    add_reward(name="贵", points_cost=50)
    add_reward(name="便宜", points_cost=5)
    add_reward(name="下架", active=False)
    add_reward(name="已结束", ends_at=datetime.now(UTC) - timedelta(days=1))
    body = client.get("/api/v1/rewards").get_json()
    assert [item["name"] for item in body["items"]] == ["便宜", "贵"]
    assert body["total"] == 2


def test_admin_cancel_refunds_points_and_stock_once(client, make_user, auth_headers):
    """Cancelling gives back points and stock; a second decision is REDEMPTION_NOT_PENDING."""
    admin = make_user(roles=["admin"])
    user = make_user()
    give_points(user, 10)
    reward_id = add_reward(points_cost=10, stock=1)
    redemption = redeem(client, auth_headers(user), reward_id).get_json()
    url = f"/api/v1/admin/redemptions/{redemption['id']}"
    cancelled = client.post(f"{url}/cancel", headers=auth_headers(admin))
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert_error(
        client.post(f"{url}/cancel", headers=auth_headers(admin)), 409, "REDEMPTION_NOT_PENDING"
    )
    assert_error(
        client.post(f"{url}/fulfil", headers=auth_headers(admin)), 409, "REDEMPTION_NOT_PENDING"
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).points_balance == 10
    assert db.session.get(Reward, reward_id).stock == 1
    reasons = db.session.scalars(
        select(PointsEntry.reason).where(PointsEntry.user_id == user.id).order_by(PointsEntry.id)
    ).all()
    assert reasons == ["admin_adjust", "redeem", "refund"]


def test_admin_fulfils_and_manages_the_catalogue(client, make_user, auth_headers):
    """Admins add and edit rewards and mark redemptions picked up; residents cannot."""
    admin, user = make_user(roles=["admin"]), make_user()
    created = client.post(
        "/api/v1/admin/rewards",
        headers=auth_headers(admin),
        json={"name": "反诈雨伞", "points_cost": 20, "stock": 3, "per_user_limit": 1},
    )
    assert created.status_code == 201, created.get_json()
    reward_id = created.get_json()["id"]
    edited = client.patch(
        f"/api/v1/admin/rewards/{reward_id}", headers=auth_headers(admin), json={"stock": 4}
    )
    assert edited.get_json()["stock"] == 4
    bad = client.post(
        "/api/v1/admin/rewards",
        headers=auth_headers(admin),
        json={"name": "x", "points_cost": 0, "stock": -1},
    )
    assert set(assert_error(bad, 422, "VALIDATION_ERROR")["errors"]["json"]) == {
        "points_cost",
        "stock",
    }
    forbidden = client.post("/api/v1/admin/rewards", headers=auth_headers(user), json={})
    assert_error(forbidden, 403, "FORBIDDEN")
    give_points(user, 20)
    redemption = redeem(client, auth_headers(user), reward_id).get_json()
    done = client.post(
        f"/api/v1/admin/redemptions/{redemption['id']}/fulfil", headers=auth_headers(admin)
    )
    assert done.get_json()["status"] == "fulfilled"
    listed = client.get("/api/v1/admin/redemptions?status=fulfilled", headers=auth_headers(admin))
    assert [item["id"] for item in listed.get_json()["items"]] == [redemption["id"]]


def test_same_idempotency_key_returns_the_first_redemption(client, make_user, auth_headers):
    """Replaying a key returns the same body and takes nothing more."""
    user = make_user()
    give_points(user, 30)
    reward_id = add_reward(points_cost=10)
    first = redeem(client, auth_headers(user), reward_id, key="k-1")
    again = redeem(client, auth_headers(user), reward_id, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    db.session.expire_all()
    assert db.session.get(User, user.id).points_balance == 20


def test_an_idempotency_key_reused_for_another_reward_is_refused(client, make_user, auth_headers):
    """Defect 14 of the attack report: the same key on another reward returned the first
    redemption; a key names one request, so another request with it is refused."""
    user = make_user()
    give_points(user, 30)
    first_reward, other_reward = add_reward(points_cost=10), add_reward(points_cost=5)
    assert redeem(client, auth_headers(user), first_reward, key="k-2").status_code == 201
    reused = redeem(client, auth_headers(user), other_reward, key="k-2")
    assert_error(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    db.session.expire_all()
    assert db.session.get(User, user.id).points_balance == 20


def _counts(app, reward_id, user_ids):
    with app.app_context():
        stock = db.session.get(Reward, reward_id).stock
        taken = db.session.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.reward_id == reward_id)
        )
        balances = db.session.scalars(
            select(User.points_balance).where(User.id.in_(user_ids))
        ).all()
        assert points.verify_balances() == []
    return stock, taken, balances


def _post_all(live_server, requests):
    def sender(headers, reward_id):
        def send():
            with httpx.Client(base_url=live_server, timeout=60) as http:
                return http.post(f"/api/v1/rewards/{reward_id}/redeem", headers=headers)

        return send

    senders = [sender(h, r) for h, r in requests]
    index = iter(range(len(senders)))
    return fire_at_once(len(senders), lambda: senders[next(index)]())


@pytest.mark.postgres
def test_hundred_users_race_for_ten_units(app, live_server, make_user, auth_headers):
    """100 redemptions at once of a reward with stock 10: exactly 10 succeed."""
    users = [make_user() for _ in range(100)]
    for user in users:
        give_points(user, 10)
    reward_id = add_reward(points_cost=10, stock=10)
    requests = [(auth_headers(user), reward_id) for user in users]
    user_ids = [user.id for user in users]
    responses = _post_all(live_server, requests)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10, [r.text for r in responses if r.status_code not in (201, 409)]
    assert codes.count(409) == 90
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"OUT_OF_STOCK"}
    stock, taken, balances = _counts(app, reward_id, user_ids)
    assert (stock, taken) == (0, 10)
    assert sorted(balances) == [0] * 10 + [10] * 90


@pytest.mark.postgres
def test_one_user_with_points_for_five_sends_twenty(app, live_server, make_user, auth_headers):
    """20 redemptions at once from a user who can afford 5: exactly 5, balance 0."""
    user = make_user()
    give_points(user, 50)
    reward_id = add_reward(points_cost=10, stock=100)
    user_id = user.id
    responses = _post_all(live_server, [(auth_headers(user), reward_id)] * 20)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 5 and codes.count(409) == 15, [r.text for r in responses]
    stock, taken, balances = _counts(app, reward_id, [user_id])
    assert (stock, taken, balances) == (95, 5, [0])


@pytest.mark.postgres
def test_same_key_ten_times_at_once(app, live_server, make_user, auth_headers):
    """The same Idempotency-Key 10 times at once: one redemption, identical replies."""
    user = make_user()
    give_points(user, 100)
    reward_id = add_reward(points_cost=10, stock=100)
    user_id = user.id
    headers = {**auth_headers(user), "Idempotency-Key": "same-key-1"}
    responses = _post_all(live_server, [(headers, reward_id)] * 10)
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    stock, taken, balances = _counts(app, reward_id, [user_id])
    assert (stock, taken, balances) == (99, 1, [90])


def test_admin_deletes_only_rewards_nobody_redeemed(client, make_user, auth_headers):
    """DELETE removes an unused reward; one with redemptions is REWARD_IN_USE and stays."""
    admin = auth_headers(make_user(roles=["admin"]))
    unused, used = add_reward(), add_reward()
    buyer = make_user()
    give_points(buyer, 100)
    assert redeem(client, auth_headers(buyer), used).status_code == 201
    assert client.delete(f"/api/v1/admin/rewards/{unused}", headers=admin).status_code == 204
    assert db.session.get(Reward, unused) is None
    assert_error(client.delete(f"/api/v1/admin/rewards/{unused}", headers=admin), 404, "NOT_FOUND")
    assert_error(
        client.delete(f"/api/v1/admin/rewards/{used}", headers=admin), 409, "REWARD_IN_USE"
    )
    db.session.expire_all()
    assert db.session.get(Reward, used) is not None
    resident = auth_headers(make_user())
    assert_error(client.delete(f"/api/v1/admin/rewards/{used}", headers=resident), 403, "FORBIDDEN")
