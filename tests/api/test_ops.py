"""Health and readiness, with and without a reachable Redis."""

import json

from miniapp_api import create_app
from tests.conftest import make_config
from tests.helpers import assert_error

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz(client):
    """The process answers."""
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_database(app, client):
    """Ready when the database answers; Redis reported as configured or not."""
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    expected_redis = "ok" if app.config["REDIS_URL"] else "not_configured"
    assert body["checks"]["redis"] == expected_redis


def test_readyz_fails_when_the_database_is_unreachable():
    """A database that does not answer makes readiness 503, naming the database."""
    app = create_app(make_config("postgresql+psycopg://nobody@127.0.0.1:1/test_unreachable"))
    response = app.test_client().get("/readyz")
    body = assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert body["errors"]["database"] == "unavailable"


def test_redis_down_makes_readyz_fail_but_the_app_keeps_working(app_factory):
    """With Redis configured but down: readiness says so, logins and logout still work."""
    app = app_factory(REDIS_URL=UNREACHABLE_REDIS, RATELIMIT_ENABLED=True)
    client = app.test_client()
    body = assert_error(client.get("/readyz"), 503, "SERVICE_UNAVAILABLE")
    assert body["errors"] == {"database": "ok", "redis": "unavailable"}
    tokens = client.post("/api/v1/auth/wechat-login", json={"code": "dora"}).get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    # The revocation lives in the database, so it holds without Redis.
    assert_error(client.get("/api/v1/me", headers=headers), 401, "UNAUTHORIZED")


def test_a_database_outage_is_503_with_retry_after_not_500():
    """Defect 4 of the attack report: with the database down every request was a 500;
    it is SERVICE_UNAVAILABLE with Retry-After, for reads and writes alike."""
    app = create_app(make_config("postgresql+psycopg://nobody@127.0.0.1:1/test_unreachable"))
    client = app.test_client()
    for response in (
        client.get("/api/v1/articles"),
        client.post("/api/v1/auth/wechat-login", json={"code": "someone"}),
    ):
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
        assert response.headers["Retry-After"] == "5"


def test_each_request_is_logged_once_as_json(app_factory, make_user, auth_headers, capfd):
    """One JSON line per request: time, request id, user id, route, status, milliseconds."""
    app = app_factory(LOG_LEVEL="INFO", LOG_FORMAT="json")
    client = app.test_client()
    with app.app_context():
        user = make_user()
        user_id, headers = user.id, auth_headers(user)
    capfd.readouterr()
    response = client.get("/api/v1/me", headers=headers)
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "miniapp_api.requests"]
    assert len(requests) == 1, lines
    line = requests[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["route"], line["status"], line["user_id"]) == ("/api/v1/me", 200, user_id)
    assert isinstance(line["ms"], float) and line["time"]
