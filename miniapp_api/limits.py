"""Abuse limits, all in one table: every write that pays points or costs stock, and
login, refresh, events and applications (README, "Reliability and security").

A limit is Flask-Limiter syntax in a setting (`<NAME>_RATE_LIMIT`, read by config.py from
this table), counted per signed-in user, per client address or per promoter code. The
paying writes also share one generous ceiling per address (`WRITE_IP_RATE_LIMIT`): many
residents at a street event share a mobile carrier's address, so the per-user limits do
the real work. Past a limit: `429 RATE_LIMITED` with `Retry-After`.

Counters live in Redis when it is configured; with Redis unreachable each worker counts
in its own memory (Flask-Limiter's in-memory fallback), so every limit, login's
included, still holds per process rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from flask_jwt_extended import current_user
from flask_limiter.util import get_remote_address

from miniapp_api.extensions import limiter

USER, IP, CODE = "user", "ip", "code"


@dataclass(frozen=True)
class RateLimit:
    default: str
    per: str  # USER, IP or CODE
    guards: str  # what it protects, for the README table

    def setting(self, name: str) -> str:
        return f"{name.upper()}_RATE_LIMIT"


RATE_LIMITS: dict[str, RateLimit] = {
    "login": RateLimit("20 per minute", IP, "POST /auth/wechat-login, /auth/dev-login"),
    "refresh": RateLimit("30 per minute", USER, "POST /auth/refresh"),
    "quiz_session": RateLimit("6 per minute;100 per day", USER, "POST /quiz-sessions"),
    "enroll_user": RateLimit("10 per minute", USER, "POST /enrollments (every scan)"),
    "enroll_code": RateLimit(
        "120 per minute", CODE, "POST /enrollments (only scans that enrolled someone)"
    ),
    "redeem": RateLimit("10 per minute;30 per day", USER, "POST /rewards/{id}/redeem"),
    "checkin": RateLimit("10 per minute", USER, "POST /me/checkin"),
    "article_read": RateLimit("60 per minute", USER, "POST /articles/{id}/read"),
    "event_create": RateLimit("5 per hour;20 per day", USER, "POST /events"),
    "event_checkin": RateLimit("20 per minute", USER, "POST /events/{id}/checkins"),
    "application": RateLimit("5 per hour;10 per day", USER, "POST /promoter-applications"),
    "write_ip": RateLimit("600 per minute", IP, "all the paying writes above, together"),
}
# The writes whose success pays points or takes stock: they also count against the
# shared per-address ceiling.
PAYING = frozenset(
    {"quiz_session", "enroll_user", "redeem", "checkin", "article_read", "event_checkin"}
)


def _key(name: str, per: str) -> Callable[[], str]:
    def key() -> str:
        if per == USER:
            return f"{name}:user:{current_user.id}"
        if per == CODE:
            body = request.get_json(silent=True)
            scene = body.get("scene") if isinstance(body, dict) else None
            return f"{name}:code:{scene if isinstance(scene, str) else '-'}"
        return f"{name}:ip:{get_remote_address()}"

    return key


def _value(name: str) -> Callable[[], str]:
    setting = RATE_LIMITS[name].setting(name)
    return lambda: current_app.config[setting]


def _enrolled(response) -> bool:
    return response.status_code == 201


def limited(*names: str):
    """The named limits on a route (below `login_required`, so a user limit knows its
    user and an anonymous caller gets 401 first)."""

    def decorator(view):
        for name in reversed(names):
            per = RATE_LIMITS[name].per
            deduct = _enrolled if per == CODE else None
            view = limiter.limit(_value(name), key_func=_key(name, per), deduct_when=deduct)(view)
        if PAYING.intersection(names):
            view = limiter.shared_limit(
                _value("write_ip"), scope="write_ip", key_func=_key("write_ip", IP)
            )(view)
        return view

    return decorator
