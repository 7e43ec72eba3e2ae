"""Time: the app's one clock, its time zone, and the periods computed in it.

Every "now" in the app comes from `utcnow()`, which asks the app's clock
(`app.extensions["clock"]`, the system clock unless a test installs another one), so
tests move time for everything at once: deadlines, daily caps, leaderboard weeks.
Times go out with the app time zone's offset; "today" is computed in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"
CLOCK_KEY = "clock"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK = SystemClock()


def install_clock(app: Flask, clock: Clock | None = None) -> None:
    app.extensions[CLOCK_KEY] = clock or SYSTEM_CLOCK


def utcnow() -> datetime:
    """Now, as an aware UTC datetime, from the current app's clock."""
    if has_app_context():
        return current_app.extensions.get(CLOCK_KEY, SYSTEM_CLOCK).now()
    return SYSTEM_CLOCK.now()


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


# ---- periods: weeks start on Monday, in the app's time zone ------------------------------

PERIODS = ("week", "month", "all")


def period_start(period: str, day: date) -> date | None:
    """The first day of the week or month containing `day`; None for "all"."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return None


def period_key(period: str, day: date) -> str:
    """A stable name for the period containing `day`: "w2026-11-16", "m2026-11", "all"."""
    start = period_start(period, day)
    if period == "week":
        return f"w{start.isoformat()}"
    if period == "month":
        return f"m{start:%Y-%m}"
    return "all"
