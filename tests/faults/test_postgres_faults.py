"""PostgreSQL stopped and started again (`pg_ctl stop -m fast`, then start) while a few
threads send requests through a live server: only documented answers (503
SERVICE_UNAVAILABLE with Retry-After during the outage, never a 500), nothing
half-written, and every request succeeds again afterwards."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from miniapp_api.points.models import PointsEntry
from miniapp_api.rewards.models import Redemption
from miniapp_api.storage import db
from tests.faults.journey import assert_nothing_half_written, earn, new_reward, sign_in

pytestmark = pytest.mark.faults
USERS = 3
STOCK = 10_000
OUTAGE_SECONDS = 2.0
UNCAPPED = {"quiz": {"daily_cap": None}}


class Load:
    """Threads sending a resident's reads and writes (and an admin's adjustments) in a
    loop until stopped; every answer is kept with the time it came."""

    def __init__(self, base_url: str, residents: list[tuple[int, dict]], admin: dict, reward_id):
        self.base_url = base_url
        self.residents = residents
        self.admin = admin
        self.reward_id = reward_id
        self.stop = threading.Event()
        self.answers: list[tuple[float, str, httpx.Response]] = []
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._resident, args=(h,)) for _, h in residents
        ] + [threading.Thread(target=self._officer)]

    def _send(self, http: httpx.Client, method: str, path: str, **kwargs) -> None:
        try:
            response = http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:  # the server must answer, even without a database
            with self._lock:
                self.failures.append(exc)
            return
        with self._lock:
            self.answers.append((time.monotonic(), f"{method} {path}", response))

    def _resident(self, headers: dict) -> None:
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=20) as http:
            while not self.stop.is_set():
                self._send(http, "GET", "/api/v1/me")
                self._send(http, "POST", f"/api/v1/rewards/{self.reward_id}/redeem")
                self._send(http, "GET", "/api/v1/me/points")
                time.sleep(0.02)

    def _officer(self) -> None:
        with httpx.Client(base_url=self.base_url, headers=self.admin, timeout=20) as http:
            while not self.stop.is_set():
                for user_id, _ in self.residents:
                    body = {"delta": 1, "reason": "故障测试补录"}
                    self._send(http, "POST", f"/api/v1/admin/users/{user_id}/points", json=body)
                time.sleep(0.02)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in self.threads), "a request hung"


def _assert_documented(what: str, response: httpx.Response) -> None:
    assert response.status_code != 500, (what, response.text[:300])
    if response.status_code == 503:
        assert response.json()["error"] == "SERVICE_UNAVAILABLE", (what, response.text)
        assert int(response.headers["Retry-After"]) >= 1, what
    else:
        assert response.status_code in (200, 201), (what, response.status_code, response.text)


def test_postgres_restarted_under_load(app_factory, private_postgres, serve):
    app = app_factory(SQLALCHEMY_DATABASE_URI=private_postgres.url, POINTS_RULES=UNCAPPED)
    client = app.test_client()
    residents = [sign_in(client, f"pg-resident-{n}") for n in range(USERS)]
    for user_id, _ in residents:
        earn(app, user_id, 5_000)
    login = client.post("/api/v1/auth/dev-login", json={"openid": "pg-admin", "roles": ["admin"]})
    admin = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    reward_id = new_reward(app, STOCK)
    base_url = serve(app)

    with Load(base_url, residents, admin, reward_id) as load:
        time.sleep(1.0)
        private_postgres.stop()
        stopped = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restarting = time.monotonic()  # it may answer before pg_ctl returns
        private_postgres.start()
        started = time.monotonic()
        time.sleep(2.0)

    assert load.failures == []
    for _, what, response in load.answers:
        _assert_documented(what, response)
    during = [r for at, _, r in load.answers if stopped + 0.2 < at < restarting]
    assert during, "requests were answered during the outage"
    assert all(r.status_code == 503 for r in during), [(r.url.path, r.status_code) for r in during]
    after = [r.status_code for at, _, r in load.answers if at > started + 1.0]
    assert after and set(after) <= {200, 201}, "requests succeed again after the restart"

    with httpx.Client(base_url=base_url, timeout=20) as http:
        for _, headers in residents:
            assert http.get("/api/v1/me", headers=headers).status_code == 200
            assert (
                http.post(f"/api/v1/rewards/{reward_id}/redeem", headers=headers).status_code == 201
            )
    assert_nothing_half_written(app, reward_id, STOCK)
    with app.app_context():  # each redemption paid for exactly once
        redemptions = db.session.query(Redemption).filter_by(reward_id=reward_id).count()
        debits = db.session.query(PointsEntry).filter_by(reason="redeem").count()
        assert debits == redemptions > 0
