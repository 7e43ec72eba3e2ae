"""Login, refresh and logout."""

from __future__ import annotations

from datetime import UTC, datetime

from miniapp_api.auth import blocklist
from miniapp_api.auth.tokens import (
    access_lifetime,
    issue_access_token,
    issue_token_pair,
    refresh_lifetime,
)
from miniapp_api.errors import AccountBanned
from miniapp_api.storage import use_case
from miniapp_api.users import service as users
from miniapp_api.users.models import BANNED, User
from miniapp_api.wechat import get_wechat_client


def _login(user: User) -> dict:
    if user.status == BANNED:
        raise AccountBanned()
    return {**issue_token_pair(user), "user": user}


def login_with_wechat(code: str) -> dict:
    """Exchange a `wx.login` code for our tokens; the user is created on first login.
    WeChat failures raise before any account is created."""
    session = get_wechat_client().code2session(code)
    return _record_login(session.openid, session.session_key, session.unionid)


@use_case
def _record_login(openid: str, session_key: str, unionid: str | None) -> dict:
    user, _created = users.get_or_create_by_openid(openid, session_key=session_key, unionid=unionid)
    return _login(user)


@use_case
def dev_login(openid: str, roles: list[str], nickname: str | None = None) -> dict:
    """Development only: log in as any openid with the given roles (the same openid that
    `flask users create-admin` names)."""
    user, _created = users.get_or_create_by_openid(openid)
    users.grant_roles(user, roles)
    if nickname:
        user.nickname = nickname
    return _login(user)


def refresh(user: User, claims: dict) -> dict:
    return {
        "access_token": issue_access_token(user.id, claims["sid"]),
        "token_type": "Bearer",
        "expires_in": int(access_lifetime().total_seconds()),
    }


@use_case
def logout(user: User, claims: dict) -> None:
    """Revoke the session of the presented token: its access and refresh tokens both."""
    if claims["type"] == "refresh":
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    else:
        # Every refresh token of the session was issued before this access token.
        expires_at = datetime.fromtimestamp(claims["iat"], UTC) + refresh_lifetime()
    blocklist.revoke(claims["sid"], expires_at, user.id)
