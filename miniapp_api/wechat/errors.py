"""WeChat failures, mapped to our error codes."""

from miniapp_api.errors import AppError

# code2session errors: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
CODE_INVALID_ERRCODES = frozenset({40029, 40163})
USER_RESTRICTED_ERRCODES = frozenset({40226})
UNAVAILABLE_ERRCODES = frozenset({45011, -1})


class WeChatCodeInvalid(AppError):
    status_code, error_code = 401, "WECHAT_CODE_INVALID"
    message = "登录凭证已失效，请重新打开小程序再试"


class WeChatUserRestricted(AppError):
    status_code, error_code = 403, "WECHAT_USER_RESTRICTED"
    message = "该微信账号暂时无法登录，请稍后再试或联系微信客服"


class WeChatUnavailable(AppError):
    status_code, error_code = 503, "WECHAT_UNAVAILABLE"
    message = "微信服务繁忙，请稍后再试"

    def __init__(self, retry_after: int = 5, message: str | None = None):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def raise_for_errcode(errcode: int, errmsg: str, retry_after: int) -> None:
    """Raise the error that a non-zero WeChat errcode means."""
    if errcode in CODE_INVALID_ERRCODES:
        raise WeChatCodeInvalid()
    if errcode in USER_RESTRICTED_ERRCODES:
        raise WeChatUserRestricted()
    # 45011 (rate limited), -1 (busy) and any code we do not know: try again later.
    raise WeChatUnavailable(retry_after)
