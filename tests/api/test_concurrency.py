"""Races through a real HTTP server: many requests in flight at the same moment."""

import httpx
from sqlalchemy import func, select

from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.helpers import fire_at_once

PARALLEL = 12


def test_concurrent_first_logins_create_one_user(app, live_server):
    """Twelve simultaneous first logins with one openid: one user, twelve successes."""

    def send():
        with httpx.Client(base_url=live_server, timeout=30) as http:
            return http.post("/api/v1/auth/wechat-login", json={"code": "rush"})

    responses = fire_at_once(PARALLEL, send)
    assert [r.status_code for r in responses] == [200] * PARALLEL, [r.text for r in responses]
    assert len({r.json()["user"]["id"] for r in responses}) == 1
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(User).where(User.openid == "fake-rush")
        )
    assert count == 1
