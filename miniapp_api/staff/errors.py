"""The staff domain's errors (console sign-in), with their codes and Chinese messages."""

from __future__ import annotations

from miniapp_api.errors import AppError, ValidationFailed


class NotStaff(AppError):
    status_code, error_code = 403, "NOT_STAFF"
    message = "只有民警工作台的管理人员可以这样做"


class LoginTicketInvalid(AppError):
    status_code, error_code = 404, "LOGIN_TICKET_INVALID"
    message = "登录码无效，请在电脑上刷新登录页后重新扫码"


class LoginTicketExpired(AppError):
    status_code, error_code = 410, "LOGIN_TICKET_EXPIRED"
    message = "登录码已过期或已使用，请在电脑上刷新登录页后重新扫码"


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={"json": {field: [message]}})
