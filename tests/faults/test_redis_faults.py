"""Redis stopped, hung (SIGSTOP) and restarted under a live app: no 500, the app keeps
working on the database, nothing half-written, and the Redis board agrees with the ledger
again once rebuilt."""

from __future__ import annotations

import time

import pytest

from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.backends import SqlBackend
from tests.faults.journey import (
    assert_nothing_half_written,
    assert_redis_board_matches_ledger,
    earn,
    journey,
    my_score,
    new_reward,
    sign_in,
)

pytestmark = pytest.mark.faults
STOCK = 50
FIRST_ROUND = [200, 200, 200, 200, 201]  # see journey(): the day's check-in, a redemption
AGAIN = [200, 409, 200, 200, 201]  # checked in already today


@pytest.fixture
def app(app_factory, private_redis):
    """The app on the private Redis: leaderboards, rate limits, WeChat token, jobs."""
    return app_factory(
        REDIS_URL=private_redis.url,
        RATELIMIT_STORAGE_URI=private_redis.url,
        RATELIMIT_ENABLED=True,
        LEADERBOARD_BACKEND="redis",
    )


def _ready(client) -> dict:
    """Readiness: 200, or 503 naming what is down (a probe's answer, no Retry-After)."""
    response = client.get("/readyz")
    assert response.status_code in (200, 503), response.get_data(as_text=True)
    return response.get_json()


def _rebuilt(app) -> None:
    with app.app_context():
        leaderboards.rebuild()  # `flask leaderboards rebuild`


def test_redis_stopped_then_started_again(app, private_redis):
    client = app.test_client()
    user_id, headers = sign_in(client, "redis-stopped")
    reward_id = new_reward(app, STOCK)
    _rebuilt(app)
    earn(app, user_id, 10)
    assert my_score(client, headers) == 10

    private_redis.stop()
    assert _ready(client)["errors"] == {"database": "ok", "redis": "unavailable"}
    answers = journey(client, headers, reward_id)
    assert [r.status_code for r in answers] == FIRST_ROUND
    earn(app, user_id, 5)  # Redis misses it: recorded in the database
    assert my_score(client, headers) == 16  # the board is read from SQL
    other_id, other = sign_in(client, "redis-stopped-2")  # logins work without Redis
    assert_nothing_half_written(app, reward_id, STOCK)

    private_redis.start()  # empty: nothing persisted
    assert _ready(client)["status"] == "ready"
    assert [r.status_code for r in journey(client, other, reward_id)] == FIRST_ROUND
    assert my_score(client, headers) == 16
    _rebuilt(app)
    assert_redis_board_matches_ledger(app, [user_id, other_id])
    assert my_score(client, headers) == 16
    assert_nothing_half_written(app, reward_id, STOCK)


def test_redis_hung_then_answering_again(app, private_redis):
    """SIGSTOP: connections open but nothing answers. Each request waits at most for the
    client timeouts; a logout during the hang holds after Redis answers again (defect 1);
    the update Redis missed keeps the board on SQL until the rebuild (defect 11)."""
    client = app.test_client()
    user_id, headers = sign_in(client, "redis-hung")
    _, leaving = sign_in(client, "redis-hung-leaving")
    reward_id = new_reward(app, STOCK)
    _rebuilt(app)
    earn(app, user_id, 10)

    private_redis.pause()
    try:
        started = time.monotonic()
        answers = journey(client, headers, reward_id)
        assert [r.status_code for r in answers] == FIRST_ROUND
        earn(app, user_id, 4)
        assert client.post("/api/v1/auth/logout", headers=leaving).status_code == 204
        assert my_score(client, headers) == 15
        assert time.monotonic() - started < 60, "a hung Redis must not hang requests"
    finally:
        private_redis.resume()

    assert client.get("/api/v1/me", headers=leaving).status_code == 401
    with app.app_context():
        assert isinstance(leaderboards.backend(), SqlBackend)  # Redis missed an update
    assert my_score(client, headers) == 15
    assert_nothing_half_written(app, reward_id, STOCK)
    _rebuilt(app)
    assert_redis_board_matches_ledger(app, [user_id])
    assert [r.status_code for r in journey(client, headers, reward_id)] == AGAIN
    assert_nothing_half_written(app, reward_id, STOCK)


def test_redis_restarted_loses_its_data(app, private_redis):
    """A restart without persistence empties Redis: the board is read from SQL (no
    "ready" marker) until it is rebuilt, and nothing else notices."""
    client = app.test_client()
    user_id, headers = sign_in(client, "redis-restarted")
    reward_id = new_reward(app, STOCK)
    _rebuilt(app)
    earn(app, user_id, 7)
    assert_redis_board_matches_ledger(app, [user_id])

    private_redis.restart()
    answers = journey(client, headers, reward_id)
    assert [r.status_code for r in answers] == FIRST_ROUND
    with app.app_context():
        assert isinstance(leaderboards.backend(), SqlBackend)
    assert my_score(client, headers) == 8
    _rebuilt(app)
    assert_redis_board_matches_ledger(app, [user_id])
    earn(app, user_id, 2)  # and it follows the ledger again
    assert_redis_board_matches_ledger(app, [user_id])
    assert my_score(client, headers) == 10
    assert_nothing_half_written(app, reward_id, STOCK)
