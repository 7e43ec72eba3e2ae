"""One error shape for every non-2xx response.

`{"code", "status", "error", "message", "errors"}`: the fields of flask-smorest's
error schema plus `error`, a stable machine code, and a Chinese `message` for display.
Services raise `AppError` subclasses; views never build error bodies.
"""

from __future__ import annotations

import logging
import math
import time
from http import HTTPStatus

import marshmallow as ma
from flask import Flask, g, jsonify
from flask_limiter.errors import RateLimitExceeded
from flask_smorest.error_handler import ErrorSchema
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from miniapp_api.extensions import limiter
from miniapp_api.messages import translate

log = logging.getLogger(__name__)


class ApiErrorSchema(ErrorSchema):
    error = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    request_id = ma.fields.String(metadata={"description": "Id to quote when reporting a fault"})


# Default machine code and Chinese message per HTTP status.
STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式有误"),
    401: ("UNAUTHORIZED", "请先登录"),
    403: ("FORBIDDEN", "没有权限执行此操作"),
    404: ("NOT_FOUND", "请求的内容不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    409: ("CONFLICT", "操作冲突，请刷新后重试"),
    410: ("GONE", "内容已失效"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请以 JSON 格式提交"),
    422: ("VALIDATION_ERROR", "提交的信息有误，请检查后重试"),
    429: ("RATE_LIMITED", "操作太频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "服务器开小差了，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"),
}


class AppError(Exception):
    """A rule said no. Subclasses fix the status, code and default message."""

    status_code = 400
    error_code = "BAD_REQUEST"
    message = "请求格式有误"

    def __init__(self, message: str | None = None, *, errors=None, headers=None):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.errors = errors or {}
        self.headers = headers or {}


class Unauthorized(AppError):
    status_code, error_code, message = 401, "UNAUTHORIZED", "请先登录"


class Forbidden(AppError):
    status_code, error_code, message = 403, "FORBIDDEN", "没有权限执行此操作"


class NotFound(AppError):
    status_code, error_code, message = 404, "NOT_FOUND", "请求的内容不存在"


class Conflict(AppError):
    status_code, error_code, message = 409, "CONFLICT", "操作冲突，请刷新后重试"


class ValidationFailed(AppError):
    status_code, error_code, message = 422, "VALIDATION_ERROR", "提交的信息有误，请检查后重试"


class MalformedBody(AppError):
    status_code, error_code, message = 400, "BAD_REQUEST", "提交的内容不是有效的 JSON"


class BodyRequired(AppError):
    status_code, error_code, message = 400, "BAD_REQUEST", "请求缺少 JSON 内容"


class UnsupportedMediaType(AppError):
    status_code, error_code = 415, "UNSUPPORTED_MEDIA_TYPE"
    message = "请以 JSON 格式提交（Content-Type: application/json）"


class ServiceUnavailable(AppError):
    status_code, error_code, message = 503, "SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"


class IdempotencyKeyReused(AppError):
    status_code, error_code = 422, "IDEMPOTENCY_KEY_REUSED"
    message = "该请求编号已用于另一项操作，请换一个编号重试"


class ContentRisky(AppError):
    """WeChat's content security judged text others would see as risky: nothing is stored.
    `errors.json.<field>` names the field."""

    status_code, error_code = 422, "CONTENT_RISKY"
    message = "内容可能含有违规信息，请修改后再提交"


class AccountBanned(AppError):
    status_code, error_code, message = (
        403,
        "ACCOUNT_BANNED",
        "账号已被停用，如有疑问请联系当地派出所",
    )


def error_response(
    status: int, error: str | None = None, message: str | None = None, *, errors=None, headers=None
):
    """Build the one error body. `error` and `message` default from the status."""
    default_error, default_message = STATUS_DEFAULTS.get(
        status, ("INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST", "请求未能完成")
    )
    body = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "error": error or default_error,
        "message": message or default_message,
        "errors": errors or {},
    }
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _handle_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    headers = dict(exc.get_headers())
    headers.pop("Content-Type", None)
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages") or {}
    return error_response(exc.code or 500, errors=translate(errors), headers=headers)


# Seconds a client should wait before retrying when the database does not answer.
DATABASE_RETRY_AFTER = 5


def is_database_outage(exc: Exception) -> bool:
    """A lost or refused connection, a restart in progress, a lock or a deadlock that
    survived its retry: the database could not answer, the request was not wrong."""
    return isinstance(exc, DisconnectionError | OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def handle_exception(exc: Exception):
    if isinstance(exc, AppError):
        return error_response(
            exc.status_code, exc.error_code, exc.message, errors=exc.errors, headers=exc.headers
        )
    if isinstance(exc, ma.ValidationError):
        return error_response(422, errors={"json": translate(exc.normalized_messages())})
    if isinstance(exc, HTTPException):
        return _handle_http_exception(exc)
    if is_database_outage(exc):
        log.warning("database unavailable in request %s: %s", g.get("request_id"), exc)
        return error_response(503, headers={"Retry-After": str(DATABASE_RETRY_AFTER)})
    log.exception("unhandled exception in request %s", g.get("request_id"))
    return error_response(500)


def handle_rate_limited(exc: RateLimitExceeded):
    """429 with `Retry-After`: the seconds until the exceeded window resets."""
    window = exc.limit.limit.get_expiry()
    current = limiter.current_limit
    retry_after = window
    if current is not None:
        retry_after = min(window, max(1, math.ceil(current.reset_at - time.time())))
    return error_response(429, headers={"Retry-After": str(retry_after)})


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(Exception, handle_exception)
