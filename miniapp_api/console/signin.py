"""Signing in to the console: name and password (then a TOTP code when the account has
one), or scanning a code with the mini-program; signing out. Rate-limited per address."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, sign_in, sign_out
from miniapp_api.extensions import limiter
from miniapp_api.staff import service as staff
from miniapp_api.staff import tickets
from miniapp_api.timeutil import utcnow

PENDING_KEY = "pending_totp"  # {"user_id", "at", "next"} between the two steps
TICKET_KEY = "login_ticket"  # the scan-to-sign-in ticket this browser asked for
TOTP_WINDOW = 300  # seconds to enter the code after the password


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path of this site, else the home page."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return url_for("console.home")


def _signed_in(user, target: str | None):
    sign_in(user)
    return redirect(safe_next(target))


@console_bp.get("/login")
def login():
    """The sign-in form (the signed-in go to where they were heading)."""
    if current_officer() is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("console/signin/login.html", next=request.args.get("next", ""))


@console_bp.post("/login")
@limiter.limit(_login_limit)
def login_submit():
    """Check the name and password; ask for the TOTP code when the account has one."""
    name, password = request.form.get("username", ""), request.form.get("password", "")
    target = request.form.get("next", "")
    if not name.strip() or not password:
        return _form_error("请输入登录名和密码", name, target)
    attempt = staff.check_password(name, password)
    if attempt.error:
        return _form_error(attempt.error, name, target)
    if attempt.needs_totp:
        session.clear()
        session[PENDING_KEY] = {
            "user_id": attempt.user.id,
            "at": utcnow().timestamp(),
            "next": target,
        }
        return render_template("console/signin/totp.html")
    return _signed_in(attempt.user, target)


def _form_error(message: str, name: str, target: str):
    context = {"error": message, "username": name, "next": target}
    return render_template("console/signin/login.html", **context), 422


@console_bp.post("/login/totp")
@limiter.limit(_login_limit)
def login_totp():
    """The second step: the 6-digit code of the officer's authenticator app."""
    pending = session.get(PENDING_KEY) or {}
    if not pending or utcnow().timestamp() - float(pending.get("at", 0)) > TOTP_WINDOW:
        session.pop(PENDING_KEY, None)
        return _form_error("验证超时，请重新输入登录名和密码", "", "")
    attempt = staff.check_totp(int(pending["user_id"]), request.form.get("code", ""))
    if attempt.error:
        if "已锁定" in attempt.error:
            session.pop(PENDING_KEY, None)
            return _form_error(attempt.error, "", "")
        return render_template("console/signin/totp.html", error=attempt.error), 422
    return _signed_in(attempt.user, pending.get("next"))


@console_bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("console.login"))


@console_bp.get("/login/qr")
@limiter.limit(_login_limit)
def login_qr():
    """A new one-time ticket as a code to scan with the mini-program (2 minutes)."""
    ticket = tickets.create_ticket()
    session[TICKET_KEY] = ticket.id
    image = tickets.ticket_image(ticket)
    minutes = int(tickets.TICKET_LIFETIME.total_seconds()) // 60
    context = {"ticket": ticket.id, "image_uri": image.data_uri, "minutes": minutes}
    return render_template("console/signin/qr.html", status=tickets.PENDING, **context)


@console_bp.get("/login/tickets/<string:ticket>")
def login_ticket(ticket: str):
    """Polled by the code page: signs in once the ticket is confirmed (this browser's
    ticket only), else says whether it is still waiting."""
    mine = session.get(TICKET_KEY) == ticket
    status = tickets.status_of(ticket) if mine else tickets.EXPIRED
    if status == tickets.CONFIRMED:
        user = tickets.redeem_ticket(ticket)
        if user is not None:
            sign_in(user)
            return "", 200, {"HX-Redirect": url_for("console.home")}
        status = tickets.USED
    if status != tickets.PENDING:
        session.pop(TICKET_KEY, None)
    minutes = int(tickets.TICKET_LIFETIME.total_seconds()) // 60
    context = {"status": status, "ticket": ticket, "minutes": minutes}
    return render_template("console/signin/_ticket.html", **context)
