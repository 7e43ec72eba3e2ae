"""JWT issuing and the Flask-JWT-Extended callbacks that load the user and speak our
error shape. Roles are never read from the token: the user is loaded from the
database on each request, so a demotion or a ban takes effect at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, g
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from miniapp_api.auth import blocklist
from miniapp_api.errors import AccountBanned, error_response
from miniapp_api.storage import db
from miniapp_api.users.models import ACTIVE, BANNED, User


def access_lifetime() -> timedelta:
    return current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]


def refresh_lifetime() -> timedelta:
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def issue_access_token(user_id: int, sid: str) -> str:
    return create_access_token(identity=str(user_id), additional_claims={"sid": sid})


def issue_token_pair(user: User) -> dict:
    """An access and a refresh token sharing one session id (`sid`), so that logging
    out with either revokes both."""
    sid = str(uuid.uuid4())
    return {
        "access_token": issue_access_token(user.id, sid),
        "refresh_token": create_refresh_token(
            identity=str(user.id), additional_claims={"sid": sid}
        ),
        "token_type": "Bearer",
        "expires_in": int(access_lifetime().total_seconds()),
    }


def _unauthorized(message: str = "请先登录"):
    return error_response(401, "UNAUTHORIZED", message)


MAX_USER_ID = 999_999_999  # ids stay far below every database's 32-bit integer
_LOADED = "_token_user"


def _user_id(payload: dict) -> int | None:
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub.isdigit() or len(sub) > len(str(MAX_USER_ID)):
        return None
    return int(sub)


def token_revoked(_header: dict, payload: dict) -> bool:
    """Called first for every token: one query loads the user with their roles and tells
    whether the token's session was revoked (the user is kept for `load_user`)."""
    sid, user_id = payload.get("sid"), _user_id(payload)
    if not isinstance(sid, str) or user_id is None:
        return True
    row = (
        db.session.execute(
            select(User, blocklist.revoked(sid))
            .where(User.id == user_id)
            .options(joinedload(User.role_grants))
        )
        .unique()
        .first()
    )
    user, is_revoked = row if row is not None else (None, False)
    setattr(g, _LOADED, user)  # no such user: `load_user` answers 401
    return bool(is_revoked)


def load_user(_header: dict, payload: dict) -> User | None:
    """The token's user, read from the database on every request (roles and bans
    take effect at once); None makes Flask-JWT-Extended answer 401."""
    user = g.pop(_LOADED, None) if _LOADED in g else _lookup(payload)
    if user is None or user.status not in (ACTIVE, BANNED):
        return None
    if user.status == BANNED:
        raise AccountBanned()
    # Issued before the last ban, or in its second (`iat` has whole seconds): an unban
    # does not revive it.
    valid_after = user.sessions_valid_after
    if valid_after is not None and payload.get("iat", 0) <= valid_after.timestamp():
        return None
    g.user_id = user.id  # for the request's log line
    return user


def _lookup(payload: dict) -> User | None:
    user_id = _user_id(payload)
    return None if user_id is None else db.session.get(User, user_id)


def _expired(_header: dict, _payload: dict):
    return error_response(401, "TOKEN_EXPIRED", "登录已过期，请重新登录")


def _invalid(_reason: str):
    return _unauthorized("登录凭证无效，请重新登录")


def _missing(_reason: str):
    return _unauthorized()


def _revoked(_header: dict, _payload: dict):
    return _unauthorized("登录已失效，请重新登录")


def _user_gone(_header: dict, _payload: dict):
    return _unauthorized("账号不存在或已注销，请重新登录")


def _needs_fresh(_header: dict, _payload: dict):
    return _unauthorized("请重新登录后再操作")


def _verification_failed(_header: dict, _payload: dict):
    return _unauthorized("登录凭证无效，请重新登录")


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Load users our way, and answer every token problem in the API's error shape."""
    jwt.token_in_blocklist_loader(token_revoked)
    jwt.user_lookup_loader(load_user)
    jwt.expired_token_loader(_expired)
    jwt.invalid_token_loader(_invalid)
    jwt.unauthorized_loader(_missing)
    jwt.revoked_token_loader(_revoked)
    jwt.user_lookup_error_loader(_user_gone)
    jwt.needs_fresh_token_loader(_needs_fresh)
    jwt.token_verification_failed_loader(_verification_failed)
