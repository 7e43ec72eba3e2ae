"""WeChat login, tokens (expiry, revocation, tampering), roles and bans."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.users.models import BANNED, User, UserRole
from miniapp_api.wechat.client import WeChatClient
from miniapp_api.wechat.token_cache import DatabaseTokenStore
from tests.helpers import assert_error


def wechat_answering(app, handler):
    """Swap in the real WeChatClient, talking to a fake WeChat server."""
    app.extensions["wechat"] = WeChatClient(
        "wx-test-appid",
        "wx-test-secret",
        DatabaseTokenStore(),
        retry_after=7,
        transport=httpx.MockTransport(handler),
    )


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def login(client, code="alice"):
    response = client.post("/api/v1/auth/wechat-login", json={"code": code})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_first_login_creates_the_user_and_returns_tokens(app, client):
    """code2session's openid becomes a user; the reply has both tokens and the profile."""
    body = login(client, "alice")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["user"]["roles"] == ["resident"]
    again = login(client, "alice")
    assert again["user"]["id"] == body["user"]["id"]
    with app.app_context():
        user = db.session.get(User, body["user"]["id"])
        assert user.openid == "fake-alice"
        assert user.wechat_session_key == "fake-session-key-alice"  # kept server-side


def test_login_through_the_real_client_stores_session_key_server_side(app, client):
    """The real client's session key is stored, never returned."""

    def handler(request):
        assert request.url.path == "/sns/jscode2session"
        return httpx.Response(200, json={"openid": "o-real", "session_key": "S3cr3tKey=="})

    wechat_answering(app, handler)
    response = client.post("/api/v1/auth/wechat-login", json={"code": "abc"})
    assert response.status_code == 200
    assert "S3cr3tKey" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.wechat_session_key)) == "S3cr3tKey=="


@pytest.mark.parametrize("errcode", [40029, 40163])
def test_invalid_code_is_wechat_code_invalid(app, client, errcode):
    """Invalid or used codes: 401 WECHAT_CODE_INVALID."""
    wechat_answering(app, lambda r: httpx.Response(200, json={"errcode": errcode}))
    response = client.post("/api/v1/auth/wechat-login", json={"code": "abc"})
    assert_error(response, 401, "WECHAT_CODE_INVALID")


def test_risky_user_is_refused_and_no_account_is_created(app, client):
    """40226 (WeChat blocks a high-risk user): 403 and no account."""
    wechat_answering(app, lambda r: httpx.Response(200, json={"errcode": 40226}))
    response = client.post("/api/v1/auth/wechat-login", json={"code": "abc"})
    assert_error(response, 403, "WECHAT_USER_RESTRICTED")
    assert user_count(app) == 0


def _timeout(request):
    raise httpx.ReadTimeout("slow", request=request)


@pytest.mark.parametrize(
    "handler",
    [
        lambda r: httpx.Response(200, json={"errcode": 45011, "errmsg": "freq limit"}),
        lambda r: httpx.Response(200, json={"errcode": -1, "errmsg": "system busy"}),
        lambda r: httpx.Response(502, text="bad gateway"),
        _timeout,
    ],
    ids=["45011", "-1", "http-502", "timeout"],
)
def test_wechat_trouble_is_unavailable_with_retry_after(app, client, handler):
    """Rate limits, busy answers and timeouts: 503 WECHAT_UNAVAILABLE with Retry-After."""
    wechat_answering(app, handler)
    response = client.post("/api/v1/auth/wechat-login", json={"code": "abc"})
    assert_error(response, 503, "WECHAT_UNAVAILABLE")
    assert response.headers["Retry-After"] == "7"
    assert user_count(app) == 0


def test_refresh_gives_a_new_access_token(client):
    """The refresh token buys a new access token that works."""
    tokens = login(client)
    response = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    new_access = response.get_json()["access_token"]
    assert client.get("/api/v1/me", headers=bearer(new_access)).status_code == 200


def test_token_types_are_not_interchangeable(client):
    """A refresh token is no access token, and the other way round."""
    tokens = login(client)
    assert_error(
        client.get("/api/v1/me", headers=bearer(tokens["refresh_token"])), 401, "UNAUTHORIZED"
    )
    assert_error(
        client.post("/api/v1/auth/refresh", headers=bearer(tokens["access_token"])),
        401,
        "UNAUTHORIZED",
    )


@pytest.mark.parametrize("presented", ["access_token", "refresh_token"])
def test_logout_revokes_both_tokens(client, presented):
    """Logging out with either token kills the access and the refresh token."""
    tokens = login(client)
    response = client.post("/api/v1/auth/logout", headers=bearer(tokens[presented]))
    assert response.status_code == 204
    assert_error(
        client.get("/api/v1/me", headers=bearer(tokens["access_token"])), 401, "UNAUTHORIZED"
    )
    assert_error(
        client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])),
        401,
        "UNAUTHORIZED",
    )
    # Other sessions of the same user are untouched.
    other = login(client)
    assert client.get("/api/v1/me", headers=bearer(other["access_token"])).status_code == 200


def test_missing_token_is_unauthorized(client):
    """No Authorization header: 401 UNAUTHORIZED in the error shape."""
    assert_error(client.get("/api/v1/me"), 401, "UNAUTHORIZED")


def _claims(user_id: int, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "sid": str(uuid.uuid4()),
        "type": "access",
        "fresh": False,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


def test_expired_token_is_token_expired(app, client):
    """A correctly signed but expired token: 401 TOKEN_EXPIRED."""
    user_id = login(client)["user"]["id"]
    past = int((datetime.now(UTC) - timedelta(hours=3)).timestamp())
    token = pyjwt.encode(
        _claims(user_id, iat=past, nbf=past, exp=past + 7200),
        app.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "TOKEN_EXPIRED")


def test_expiry_follows_the_configured_lifetime(app_factory):
    """Access tokens die after JWT_ACCESS_TOKEN_EXPIRES."""
    client = app_factory(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=1)).test_client()
    tokens = login(client)
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    time.sleep(2.1)
    assert_error(
        client.get("/api/v1/me", headers=bearer(tokens["access_token"])), 401, "TOKEN_EXPIRED"
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_alg_none_is_refused(app, client):
    """An unsigned token (`alg: none`) is refused."""
    user_id = login(client)["user"]["id"]
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(user_id)).encode())
    token = f"{header}.{payload}."
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "UNAUTHORIZED")


def test_wrong_key_and_other_algorithms_are_refused(app, client):
    """Tokens signed with another key, or with the right key but HS384, are refused."""
    user_id = login(client)["user"]["id"]
    wrong_key = pyjwt.encode(_claims(user_id), "x" * 48, algorithm="HS256")
    other_alg = pyjwt.encode(_claims(user_id), app.config["JWT_SECRET_KEY"], algorithm="HS384")
    for token in (wrong_key, other_alg):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "UNAUTHORIZED")


def test_tampered_payload_is_refused(client):
    """Changing `sub` in a real token breaks its signature."""
    tokens = login(client, "alice")
    other_id = login(client, "bob")["user"]["id"]
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(other_id)
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert_error(client.get("/api/v1/me", headers=bearer(forged)), 401, "UNAUTHORIZED")


def test_tokens_carry_a_string_subject_and_no_roles(app, client):
    """`sub` is a string and roles are never trusted from the token."""
    tokens = login(client)
    claims = pyjwt.decode(
        tokens["access_token"], app.config["JWT_SECRET_KEY"], algorithms=["HS256"]
    )
    assert isinstance(claims["sub"], str)
    assert "roles" not in claims


def test_demotion_takes_effect_at_once(app, client, make_user, auth_headers):
    """Roles come from the database on every request, not from the token."""
    from miniapp_api.web import login_required

    @app.get("/admin-only")
    @login_required("admin")
    def admin_only():
        return {"ok": True}

    admin = make_user(roles=["admin"])
    headers = auth_headers(admin)
    assert client.get("/admin-only", headers=headers).status_code == 200
    db.session.execute(UserRole.__table__.delete().where(UserRole.user_id == admin.id))
    db.session.commit()
    assert_error(client.get("/admin-only", headers=headers), 403, "FORBIDDEN")
    assert client.get("/api/v1/me", headers=headers).get_json()["roles"] == ["resident"]


def test_a_ban_stops_existing_tokens_and_new_logins(app, client):
    """A banned user's tokens stop working at once and WeChat login is refused."""
    tokens = login(client, "mallory")
    with app.app_context():
        user = db.session.get(User, tokens["user"]["id"])
        user.status = BANNED
        db.session.commit()
    assert_error(
        client.get("/api/v1/me", headers=bearer(tokens["access_token"])), 403, "ACCOUNT_BANNED"
    )
    response = client.post("/api/v1/auth/wechat-login", json={"code": "mallory"})
    assert_error(response, 403, "ACCOUNT_BANNED")


def test_admin_ban_and_unban(app, client, make_user, auth_headers, clock):
    """A ban refuses the user's tokens at once; after an unban only new logins work."""
    admin = make_user(roles=["admin"])
    tokens = login(client, "eve")
    user_id = tokens["user"]["id"]
    admin_headers = auth_headers(admin)
    issued = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})["iat"]
    clock.set(datetime.fromtimestamp(issued + 0.5, UTC))  # the ban comes after the login
    reason = {"reason": "批量注册刷积分"}
    missing = client.post(f"/api/v1/admin/users/{user_id}/ban", json={}, headers=admin_headers)
    assert "reason" in assert_error(missing, 422, "VALIDATION_ERROR")["errors"]["json"]
    response = client.post(f"/api/v1/admin/users/{user_id}/ban", json=reason, headers=admin_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["ban_reason"], body["banned_by_id"]) == (
        "banned",
        "批量注册刷积分",
        admin.id,
    )
    old = bearer(tokens["access_token"])
    assert_error(client.get("/api/v1/me", headers=old), 403, "ACCOUNT_BANNED")
    clock.advance(seconds=1)
    response = client.post(f"/api/v1/admin/users/{user_id}/unban", headers=admin_headers)
    body = response.get_json()
    assert (body["status"], body["banned_at"], body["ban_reason"]) == ("active", None, None)
    assert_error(client.get("/api/v1/me", headers=old), 401, "UNAUTHORIZED")
    time.sleep(max(0.0, issued + 1 - time.time()) + 0.05)  # a later second, for a new iat
    fresh = login(client, "eve")
    assert client.get("/api/v1/me", headers=bearer(fresh["access_token"])).status_code == 200
    self_ban = client.post(
        f"/api/v1/admin/users/{admin.id}/ban", json=reason, headers=admin_headers
    )
    assert_error(self_ban, 403, "FORBIDDEN")
    unknown = client.post("/api/v1/admin/users/999999/ban", json=reason, headers=admin_headers)
    assert_error(unknown, 404, "NOT_FOUND")
    resident = auth_headers(make_user())
    refused = client.post(f"/api/v1/admin/users/{user_id}/ban", json=reason, headers=resident)
    assert_error(refused, 403, "FORBIDDEN")
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == str(user_id))
        ).all()
    assert actions == ["user.ban", "user.unban"]


def test_a_token_from_the_same_second_as_a_ban_stays_dead_after_the_unban(
    app, client, make_user, auth_headers, clock
):
    """Defect 10 of the attack report: `iat` has whole seconds, so a token issued in the
    second of the ban, before it, used to come back to life with the unban."""
    admin_headers = auth_headers(make_user(roles=["admin"]))
    tokens = login(client, "same-second")
    issued = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})["iat"]
    clock.set(datetime.fromtimestamp(issued + 0.6, UTC))  # the ban, 0.6 s after the login
    user_id = tokens["user"]["id"]
    ban = client.post(
        f"/api/v1/admin/users/{user_id}/ban", json={"reason": "测试封禁"}, headers=admin_headers
    )
    assert ban.status_code == 200
    assert (
        client.post(f"/api/v1/admin/users/{user_id}/unban", headers=admin_headers).status_code
        == 200
    )
    old = bearer(tokens["access_token"])
    assert_error(client.get("/api/v1/me", headers=old), 401, "UNAUTHORIZED")


def test_a_subject_past_any_user_id_is_unauthorized(app, client):
    """Defect 13: a `sub` of thirty nines reached the database as an integer overflow."""
    with app.app_context():
        token = create_access_token(identity="9" * 30, additional_claims={"sid": "s"})
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "UNAUTHORIZED")
