"""The dashboard's figures for the console's home page: today's and this week's key
figures, a daily chart over 30 days, participation by zone, the weakest fraud types (what
to teach next) and the promoter applications waiting, all in the officer's reach.

`dashboard_context(officer)` gives what `console/dashboard/_figures.html` shows; a page
that includes the fragment sets `uses_chart = true` (the chart is ECharts, its options as
JSON in the page: no inline script). /console/dashboard shows the fragment on its own.
The figures come from the statistics service (`reports`), one report of 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.reports import service as reports
from miniapp_api.reports.figures import COUNTS, Figures
from miniapp_api.timeutil import local_today, period_start
from miniapp_api.users.models import User
from miniapp_api.zones import admin_service as zones

DAYS = 30
WEAKEST = 5
# The key figures, in the order the cards show them: (Figures field, label, unit).
KEY_FIGURES = (
    ("active_users", "活跃用户", "人"),
    ("new_users", "新增用户", "人"),
    ("quiz_sessions", "答题", "次"),
    ("articles_read", "阅读文章", "篇次"),
    ("enrollments", "新增志愿者", "人"),
    ("event_checkins", "活动签到", "人次"),
)
CHART_SERIES = (("active_users", "活跃用户", "line"), ("quiz_sessions", "答题", "bar"),
                ("articles_read", "阅读文章", "bar"))  # fmt: skip


@dataclass(frozen=True)
class KeyFigure:
    label: str
    unit: str
    today: int
    week: int


def summed(days: list[Figures], first: date) -> Figures:
    """The additive figures of the days from `first` on."""
    total = Figures()
    for figures in days:
        if figures.day is not None and figures.day >= first:
            total.add({name: getattr(figures, name) for name in COUNTS})
    return total


def key_figures(days: list[Figures], today: date) -> list[KeyFigure]:
    day, week = summed(days, today), summed(days, period_start("week", today) or today)
    return [
        KeyFigure(label, unit, getattr(day, name), getattr(week, name))
        for name, label, unit in KEY_FIGURES
    ]


def chart_option(days: list[Figures]) -> dict:
    """ECharts options for the daily chart (console.js adds the colours and font)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{d.day.month}月{d.day.day}日" for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": label, "type": kind, "data": [getattr(d, name) for d in days],
             **({"barMaxWidth": 14} if kind == "bar" else {"smooth": True})}
            for name, label, kind in CHART_SERIES
        ],
    }  # fmt: skip


def waiting_applications(officer: User) -> int:
    return zones.applications(officer, "pending", 1, 1).total


def dashboard_context(officer: User) -> dict:
    """What the dashboard fragment shows, for the officer's reach."""
    today = local_today()
    report = reports.statistics(officer, date_from=today - timedelta(days=DAYS - 1), date_to=today)
    zones_by_rate = sorted(
        report.zones, key=lambda z: (z.participation_rate is None, -(z.participation_rate or 0))
    )
    return {
        "dashboard_today": today,
        "dashboard_figures": key_figures(report.days, today),
        "dashboard_chart": chart_option(report.days),
        "dashboard_zones": zones_by_rate,
        "dashboard_weakest": report.weakest_categories[:WEAKEST],
        "dashboard_waiting": waiting_applications(officer),
        "dashboard_days": DAYS,
    }


@console_bp.get("/dashboard")
@officer_required()
def dashboard():
    """The dashboard on its own page (the home page includes the same fragment)."""
    context = dashboard_context(current_officer())
    return render_template("console/dashboard/page.html", active_section="home", **context)
