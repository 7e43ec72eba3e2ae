"""The abuse limits of limits.py: each named limit guards its route, per user or per
address, and the limits hold (per worker, in memory) when Redis is unreachable."""

from __future__ import annotations

import pytest

from miniapp_api.limits import IP, RATE_LIMITS, USER
from tests.factories import RewardFactory
from tests.helpers import assert_error

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

# One request per guarded route: (limit name, method, path, body). The requests need not
# succeed: a user limit counts every attempt.
ROUTES = [
    ("refresh", "post", "/api/v1/auth/refresh", None),
    ("redeem", "post", "/api/v1/rewards/{reward}/redeem", None),
    ("checkin", "post", "/api/v1/me/checkin", None),
    ("article_read", "post", "/api/v1/articles/999999/read", None),
    ("event_create", "post", "/api/v1/events", {"title": "x"}),
    ("event_checkin", "post", "/api/v1/events/999999/checkins", {"latitude": 30}),
    ("application", "post", "/api/v1/promoter-applications", {"zone_id": 999999}),
]


def test_every_limit_has_a_setting_and_every_route_is_listed_here():
    """The table is the one place: each limit is a setting, and each per-user limit on a
    write is exercised below."""
    exercised = {name for name, *_ in ROUTES} | {"quiz_session", "enroll_user", "enroll_code"}
    assert {name for name, limit in RATE_LIMITS.items() if limit.per == USER} <= exercised
    assert {limit.setting(name) for name, limit in RATE_LIMITS.items()} >= {
        "LOGIN_RATE_LIMIT",
        "REDEEM_RATE_LIMIT",
        "WRITE_IP_RATE_LIMIT",
    }


@pytest.mark.parametrize(("name", "method", "path", "body"), ROUTES, ids=[r[0] for r in ROUTES])
def test_a_user_limit_refuses_the_next_attempt_and_spares_others(
    app_factory, make_user, auth_headers, name, method, path, body
):
    app = app_factory(RATELIMIT_ENABLED=True, **{RATE_LIMITS[name].setting(name): "2 per minute"})
    with app.app_context():
        client = app.test_client()
        url = path.format(reward=RewardFactory().id)
        if name == "event_create":
            user, other = make_user(roles=["promoter"]), make_user(roles=["promoter"])
        else:
            user, other = make_user(roles=["volunteer"]), make_user(roles=["volunteer"])
        refresh = name == "refresh"
        headers = auth_headers(user, refresh=refresh)
        for _ in range(2):
            first = getattr(client, method)(url, json=body, headers=headers)
            assert first.status_code != 429, first.get_json()
        refused = getattr(client, method)(url, json=body, headers=headers)
        assert_error(refused, 429, "RATE_LIMITED")
        assert int(refused.headers["Retry-After"]) >= 1
        spared = getattr(client, method)(
            url, json=body, headers=auth_headers(other, refresh=refresh)
        )
        assert spared.status_code != 429


def test_paying_writes_share_a_ceiling_per_address(app_factory, make_user, auth_headers):
    """Different users from one address: the shared ceiling counts them together."""
    app = app_factory(RATELIMIT_ENABLED=True, WRITE_IP_RATE_LIMIT="3 per minute")
    assert RATE_LIMITS["write_ip"].per == IP
    with app.app_context():
        client = app.test_client()
        statuses = [
            client.post("/api/v1/me/checkin", headers=auth_headers(make_user())).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        again = client.post("/api/v1/me/checkin", headers=auth_headers(make_user()))
        assert_error(again, 429, "RATE_LIMITED")
        elsewhere = client.post(
            "/api/v1/me/checkin",
            headers=auth_headers(make_user()),
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
        assert elsewhere.status_code == 200


def test_login_stays_limited_with_redis_unreachable(app_factory):
    """Redis down: the limiter falls back to counting in the worker's memory, so login is
    still limited (and nothing is a 500)."""
    app = app_factory(
        REDIS_URL=UNREACHABLE_REDIS,
        RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS,
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
    )
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/v1/auth/wechat-login", json={"code": "eve"}).status_code == 200
    assert_error(
        client.post("/api/v1/auth/wechat-login", json={"code": "eve"}), 429, "RATE_LIMITED"
    )


def test_every_limit_is_documented_in_env_example():
    from miniapp_api.config import PROJECT_ROOT

    documented = (PROJECT_ROOT / ".env.example").read_text()
    for name, limit in RATE_LIMITS.items():
        assert f"\n{limit.setting(name)}={limit.default}\n" in documented, name


def test_forwarded_addresses_count_only_from_a_trusted_proxy(app_factory):
    """A client reaching the app directly cannot rotate X-Forwarded-For to escape the
    login limit; behind the trusted proxy each forwarded client has its own count."""
    app = app_factory(
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
        PROXY_FIX_HOPS=1,
        TRUSTED_PROXIES=["10.0.0.1"],
    )
    client = app.test_client()

    def login(remote: str, forwarded: str):
        return client.post(
            "/api/v1/auth/wechat-login",
            json={"code": "mallory"},
            headers={"X-Forwarded-For": forwarded},
            environ_base={"REMOTE_ADDR": remote},
        )

    direct = [login("203.0.113.9", f"198.51.100.{n}").status_code for n in range(3)]
    assert direct == [200, 200, 429]
    proxied = [login("10.0.0.1", f"198.51.100.{n}").status_code for n in range(3)]
    assert proxied == [200, 200, 200]
    assert login("10.0.0.1", "198.51.100.1").status_code == 200
    assert login("10.0.0.1", "198.51.100.1").status_code == 429
