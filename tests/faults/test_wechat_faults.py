"""WeChat slow and failing, as a real local HTTP server (`WECHAT_API_BASE`): a login
answers the documented 503 WECHAT_UNAVAILABLE with Retry-After (never a 500, never a hang
past the timeout), creates no account, leaves other requests alone, and works again
once WeChat does."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.factories import UserFactory
from tests.faults.journey import assert_nothing_half_written

pytestmark = pytest.mark.faults
TIMEOUT = 0.5
RETRY_AFTER = 7
LOGIN = "/api/v1/auth/wechat-login"


@pytest.fixture
def app(app_factory, fake_wechat):
    return app_factory(
        WECHAT_APPID="wx-faults",
        WECHAT_SECRET="s" * 32,
        WECHAT_API_BASE=fake_wechat.url,
        WECHAT_TIMEOUT_SECONDS=TIMEOUT,
        WECHAT_RETRY_AFTER_SECONDS=RETRY_AFTER,
    )


def _accounts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _assert_wechat_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["error"] == "WECHAT_UNAVAILABLE"
    assert response.headers["Retry-After"] == str(RETRY_AFTER)


@pytest.mark.parametrize("mode", ["slow", "500", "busy"])
def test_wechat_slow_or_failing_then_back(app, fake_wechat, auth_headers, mode):
    client = app.test_client()
    with app.app_context():  # dev-login is off once WeChat is configured
        headers = auth_headers(UserFactory())
    before = _accounts(app)
    if mode == "slow":
        fake_wechat.delay = TIMEOUT * 4
    else:
        fake_wechat.mode = mode

    others: list[int] = []
    bystander = threading.Thread(
        target=lambda: others.append(client.get("/api/v1/me", headers=headers).status_code)
    )
    started = time.monotonic()
    bystander.start()
    response = client.post(LOGIN, json={"code": f"code-{mode}"})
    bystander.join(timeout=10)
    _assert_wechat_unavailable(response)
    assert time.monotonic() - started < TIMEOUT * 4, "the call gave up at its timeout"
    assert others == [200]  # the rest of the app did not wait for WeChat
    assert _accounts(app) == before  # nothing half-written: no account without a session
    assert fake_wechat.calls == 1

    fake_wechat.mode, fake_wechat.delay = "ok", 0.0
    response = client.post(LOGIN, json={"code": f"code-{mode}"})
    assert response.status_code == 200, response.get_json()
    tokens = response.get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert _accounts(app) == before + 1
    assert_nothing_half_written(app)
