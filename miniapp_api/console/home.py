"""The console's home page: links to the sections and what is waiting (the dashboard's
figures come later)."""

from __future__ import annotations

from datetime import UTC

from flask import render_template

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.timeutil import app_timezone
from miniapp_api.zones import admin_service as zones_admin
from miniapp_api.zones.models import PENDING


@console_bp.get("/")
@officer_required()
def home():
    officer = current_officer()
    waiting = zones_admin.applications(officer, PENDING, 1, 1).total
    return render_template("console/home.html", active_section="home", waiting=waiting)


@console_bp.app_template_filter("console_time")
def console_time(moment) -> str:
    """A stored instant as the officer reads it: Beijing time, to the minute."""
    if moment is None or not hasattr(moment, "astimezone"):
        return ""
    if moment.tzinfo is None:  # SQLite gives stored instants back naive, in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(app_timezone()).strftime("%Y-%m-%d %H:%M")
