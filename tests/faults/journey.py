"""What the fault tests send and check: a resident's round of requests, the documented
answers, the ledger's integrity and the Redis leaderboard's agreement with it."""

from __future__ import annotations

import itertools

from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.backends import Board, RedisBackend
from miniapp_api.leaderboards.models import CITY, SEQ_SPAN
from miniapp_api.points import service as points
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import local_today, period_key
from miniapp_api.users.models import User
from tests.factories import RewardFactory

# Answers a request may get while a server is failing: its usual ones, 409 for the
# business refusals (a second check-in, out of stock, not enough points) and 503
# SERVICE_UNAVAILABLE with Retry-After. Never a 500.
DOCUMENTED = {200, 201, 204, 409, 503}
_refs = itertools.count()


def assert_documented(response) -> None:
    status = response.status_code
    assert status != 500, response.get_data(as_text=True)[:300]
    assert status in DOCUMENTED, (status, response.get_data(as_text=True)[:300])
    if status == 503:
        body = response.get_json()
        assert body["error"] == "SERVICE_UNAVAILABLE", body
        assert int(response.headers["Retry-After"]) >= 1


def sign_in(client, name: str) -> tuple[int, dict[str, str]]:
    """A volunteer signed in through dev-login: (user id, headers)."""
    response = client.post("/api/v1/auth/dev-login", json={"openid": name, "roles": ["volunteer"]})
    assert response.status_code == 200, response.get_json()
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    return client.get("/api/v1/me", headers=headers).get_json()["id"], headers


def new_reward(app, stock: int = 50, cost: int = 1) -> int:
    with app.app_context():
        return RewardFactory(stock=stock, points_cost=cost).id


def earn(app, user_id: int, amount: int) -> None:
    with app.app_context(), unit_of_work():
        user = db.session.get(User, user_id)
        result = points.award(user, "quiz", f"faults:{next(_refs)}", points=amount)
    assert result.awarded == amount


def journey(client, headers, reward_id: int) -> list:
    """A resident's round: profile, check-in, points, the board, a redemption."""
    responses = [
        client.get("/api/v1/me", headers=headers),
        client.post("/api/v1/me/checkin", headers=headers),
        client.get("/api/v1/me/points", headers=headers),
        client.get("/api/v1/leaderboards/volunteers", headers=headers),
        client.post(f"/api/v1/rewards/{reward_id}/redeem", headers=headers),
    ]
    for response in responses:
        assert_documented(response)
    return responses


def my_score(client, headers) -> int:
    response = client.get("/api/v1/leaderboards/volunteers", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["me"]["score"]


def assert_nothing_half_written(app, reward_id: int | None = None, initial: int = 0) -> None:
    """`flask points verify`: every balance equals its ledger sum; and the reward's stock
    went down by exactly its live redemptions."""
    with app.app_context():
        assert points.verify_balances() == []
        if reward_id is None:
            return
        stock = db.session.get(Reward, reward_id).stock
        live = db.session.query(Redemption).filter(
            Redemption.reward_id == reward_id, Redemption.status != "cancelled"
        )
        assert 0 <= stock == initial - live.count()


def assert_redis_board_matches_ledger(app, user_ids: list[int]) -> None:
    """The Redis board is the one served again, and each score is the ledger's."""
    with app.app_context():
        redis = RedisBackend.for_app(app)
        assert isinstance(leaderboards.backend(), RedisBackend)
        board = Board("volunteers", period_key("all", local_today()), CITY)
        for user_id in user_ids:
            key = redis.key_of(board, user_id)
            assert key is not None and key // SEQ_SPAN == points.earned_total(user_id)
