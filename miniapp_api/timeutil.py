"""The app's time zone: times go out with its offset, "today" is computed in it."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from miniapp_api.db import utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def app_timezone() -> ZoneInfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    return _zone(name)


def to_local(value: datetime) -> datetime:
    return value.astimezone(app_timezone())


def local_today() -> date:
    """Today in the app's time zone: daily caps, check-ins and leaderboard periods."""
    return to_local(utcnow()).date()
