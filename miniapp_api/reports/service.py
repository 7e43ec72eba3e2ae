"""The reports' use cases, re-exported from their modules: the daily rollup (`rollup`),
the statistics (`stats`) and the exports (`exports`)."""

from __future__ import annotations

from datetime import date, timedelta

from miniapp_api.reports.exports import FORMATS as EXPORT_FORMATS
from miniapp_api.reports.exports import KINDS as EXPORT_KINDS
from miniapp_api.reports.exports import export
from miniapp_api.reports.rollup import compute_day, first_day, roll_up_day, rolled_up_days
from miniapp_api.reports.stats import Report, statistics
from miniapp_api.reports.writers import MIMETYPES
from miniapp_api.timeutil import local_today

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_KINDS",
    "MIMETYPES",
    "Report",
    "compute_day",
    "export",
    "roll_up_day",
    "roll_up_range",
    "statistics",
]


def roll_up_range(
    first: date | None = None, last: date | None = None, *, missing: bool = False
) -> list[date]:
    """Roll up every day from `first` to `last` (default: yesterday and today), or with
    `missing` only the days never rolled up (from the first user's day); one unit of
    work per day. Returns the days rolled up."""
    today = local_today()
    last = last or today
    if first is None:
        first = (first_day() or today) if missing else today - timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if missing:
        done = rolled_up_days(first, last)
        days = [day for day in days if day not in done or day == today]
    for day in days:
        roll_up_day(day)
    return days
