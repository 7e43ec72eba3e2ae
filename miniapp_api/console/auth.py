"""Who is signed in to the console: a staff member (`admin` or `station_admin`) held in
Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure in production, 8 hours).

Every page checks the session against the account on each request: a ban, a password
change or a demotion signs the officer out at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import ACTIVE, User

STAFF_ROLES = ("admin", "station_admin")
OFFICER_KEY, SIGNED_IN_KEY = "officer_id", "signed_in_at"


def sign_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session[OFFICER_KEY] = user.id
    session[SIGNED_IN_KEY] = utcnow().timestamp()


def sign_out() -> None:
    session.clear()


def _still_valid(user: User | None, signed_in_at: float) -> bool:
    if user is None or user.status != ACTIVE or not user.has_role(*STAFF_ROLES):
        return False
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if utcnow().timestamp() - signed_in_at > lifetime.total_seconds():
        return False
    later: list[datetime | None] = [
        getattr(user, "sessions_valid_after", None),
        getattr(user, "password_changed_at", None),
    ]
    return all(moment is None or moment.timestamp() < signed_in_at for moment in later)


def current_officer() -> User | None:
    """The signed-in staff member, or None (and the session is cleared when it no
    longer holds)."""
    # Cached for this request only: a test (or a CLI) may hold one app context, and so one
    # `g`, across several requests.
    if g.get("console_officer_request") is request._get_current_object():
        return g.console_officer
    officer_id, signed_in_at = session.get(OFFICER_KEY), session.get(SIGNED_IN_KEY)
    user = db.session.get(User, officer_id) if isinstance(officer_id, int) else None
    if user is not None and not _still_valid(user, float(signed_in_at or 0)):
        sign_out()
        user = None
    g.console_officer, g.console_officer_request = user, request._get_current_object()
    return user


def officer_required(*roles: str):
    """A console page for signed-in staff (with one of `roles`, when given); others go to
    the sign-in page, and come back after signing in."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            officer = current_officer()
            if officer is None:
                return redirect(url_for("console.login", next=request.full_path))
            if roles and not officer.has_role(*roles):
                return redirect(url_for("console.home"))
            return view(*args, **kwargs)

        return wrapper

    return decorator


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Only the console has a session: every other request (the JSON API, health checks)
    skips reading and writing the cookie."""

    def open_session(self, app, request):
        if not request.path.startswith("/console"):
            return self.null_session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not self.is_null_session(session):
            super().save_session(app, session, response)
