"""Console errors as pages: a rule's "no" (an AppError), a missing object (404, also for
anything outside a station admin's zones), a form without its CSRF token (400), too many
sign-in attempts (429). The JSON API keeps its own error shape."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, g, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from miniapp_api.audit.service import VIA_KEY
from miniapp_api.errors import STATUS_DEFAULTS, AppError
from miniapp_api.messages import translate

CSRF_MESSAGE = "页面已过期或请求来源无法验证，请刷新页面后重试"


def refusal_text(exc: Exception) -> str:
    """One line saying why a rule or a form refused: the field messages joined, or the
    error's own message."""
    if isinstance(exc, ma.ValidationError):
        fields = translate(exc.normalized_messages())
        problems = [
            p for field in fields.values() for p in (field if isinstance(field, list) else [field])
        ]
        return "；".join(map(str, problems))
    assert isinstance(exc, AppError)
    details = [
        str(problem)
        for fields in (exc.errors or {}).values()
        if isinstance(fields, dict)
        for problems in fields.values()
        for problem in (problems if isinstance(problems, list) else [problems])
    ]
    return "；".join(details) or exc.message


def error_page(status: int, message: str):
    title = {404: "未找到", 403: "无权访问", 429: "操作太频繁"}.get(status, "无法完成操作")
    context = {"status": status, "message": message, "error_title": title}
    return render_template("console/error.html", **context), status


def _app_error(exc: AppError):
    return error_page(exc.status_code, exc.message)


def _csrf_error(_exc: CSRFError):
    return error_page(400, CSRF_MESSAGE)


def _http_error(exc: HTTPException):
    status = exc.code or 500
    return error_page(status, STATUS_DEFAULTS.get(status, ("", "请求未能完成"))[1])


def _rate_limited(_exc: RateLimitExceeded):
    return error_page(429, "尝试次数过多，请一分钟后再试")


def mark_console_request() -> None:
    """Audit entries written by console pages say `via: "console"`."""
    g.setdefault(VIA_KEY, "console")


def register(blueprint: Blueprint) -> None:
    blueprint.before_request(mark_console_request)
    blueprint.register_error_handler(CSRFError, _csrf_error)
    blueprint.register_error_handler(RateLimitExceeded, _rate_limited)
    blueprint.register_error_handler(AppError, _app_error)
    blueprint.register_error_handler(HTTPException, _http_error)
