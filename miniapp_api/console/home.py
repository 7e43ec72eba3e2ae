"""The console's home page: the dashboard (console/dashboard.py) and links to the
sections."""

from __future__ import annotations

from datetime import UTC

from flask import render_template

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.dashboard import dashboard_context
from miniapp_api.timeutil import app_timezone


@console_bp.get("/")
@officer_required()
def home():
    context = dashboard_context(current_officer())
    return render_template("console/home.html", active_section="home", **context)


@console_bp.app_template_filter("console_time")
def console_time(moment) -> str:
    """A stored instant as the officer reads it: Beijing time, to the minute."""
    if moment is None or not hasattr(moment, "astimezone"):
        return ""
    if moment.tzinfo is None:  # SQLite gives stored instants back naive, in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(app_timezone()).strftime("%Y-%m-%d %H:%M")
