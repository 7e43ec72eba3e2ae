"""Login, token refresh and logout."""

from flask_jwt_extended import current_user, get_jwt

from miniapp_api.auth import service
from miniapp_api.auth.schemas import (
    AccessTokenSchema,
    DevLoginSchema,
    LoginSchema,
    WeChatLoginSchema,
)
from miniapp_api.limits import limited
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Login and tokens")
dev_blp = Blueprint(
    "dev_auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="Development login (absent in production and when WeChat is configured)",
)


@blp.route("/wechat-login", methods=["POST"])
@limited("login")
@blp.arguments(WeChatLoginSchema)
@blp.response(200, LoginSchema)
@blp.alt_response(401, response="UNAUTHORIZED", description="WECHAT_CODE_INVALID")
@blp.alt_response(403, response="FORBIDDEN", description="WECHAT_USER_RESTRICTED, ACCOUNT_BANNED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE", description="WECHAT_UNAVAILABLE")
def wechat_login(payload):
    """Log in with a wx.login code; creates the account on first login."""
    return service.login_with_wechat(payload["code"])


@blp.route("/refresh", methods=["POST"])
@login_required(refresh=True)
@limited("refresh")
@blp.response(200, AccessTokenSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
def refresh():
    """Exchange a refresh token for a new access token."""
    return service.refresh(current_user, get_jwt())


@blp.route("/logout", methods=["POST"])
@login_required(any_token=True)
@blp.response(204)
def logout():
    """Revoke the presented token and the other token of its session."""
    service.logout(current_user, get_jwt())


@dev_blp.route("/dev-login", methods=["POST"])
@limited("login")
@dev_blp.arguments(DevLoginSchema)
@dev_blp.response(200, LoginSchema)
def dev_login(payload):
    """Log in as any openid with chosen roles (development only)."""
    return service.dev_login(payload["openid"], payload["roles"], payload.get("nickname"))
