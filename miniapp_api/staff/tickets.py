"""Scan-to-sign-in: the sign-in page asks for a ticket and shows it as a code; an officer
scans it with the mini-program, which confirms it (POST /api/v1/console-logins/{ticket}/
confirm); the page, polling, then signs that officer in. A ticket lives two minutes and
signs in once."""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

import segno
from flask import current_app
from sqlalchemy import delete, update

from miniapp_api.staff.errors import LoginTicketExpired, LoginTicketInvalid, NotStaff
from miniapp_api.staff.models import STAFF_ROLES, ConsoleLoginTicket
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import ACTIVE, User
from miniapp_api.wechat import get_wechat_client, wechat_configured

TICKET_LIFETIME = timedelta(minutes=2)
KEEP_EXPIRED = timedelta(days=1)
TICKET_LENGTH = 32  # a WeChat `scene` holds at most 32 characters
ALPHABET = string.ascii_letters + string.digits
# The mini-program page that confirms a ticket (it reads the ticket from `scene`).
CONFIRM_PAGE = "pages/console-login/index"
PENDING, CONFIRMED, EXPIRED, USED = "pending", "confirmed", "expired", "used"


@dataclass(frozen=True)
class TicketImage:
    ticket: str
    data_uri: str  # the code as a data: URI (the console's CSP allows data: images)
    expires_at: datetime


@use_case
def create_ticket() -> ConsoleLoginTicket:
    """A new ticket; tickets expired for a day are deleted on the way (a ticket is only
    worth keeping while it can sign in, and a day after for looking into a sign-in)."""
    now = utcnow()
    db.session.execute(
        delete(ConsoleLoginTicket).where(ConsoleLoginTicket.expires_at < now - KEEP_EXPIRED)
    )
    ticket = ConsoleLoginTicket(
        id="".join(secrets.choice(ALPHABET) for _ in range(TICKET_LENGTH)),
        created_at=now,
        expires_at=now + TICKET_LIFETIME,
    )
    db.session.add(ticket)
    return ticket


def ticket_image(ticket: ConsoleLoginTicket) -> TicketImage:
    """With WeChat configured, a mini-program code with the ticket as its `scene`; else a
    QR code of `console-login:<ticket>` (for development and tests)."""
    if wechat_configured(current_app.config):
        image = get_wechat_client().get_wxacode_unlimit(
            ticket.id, CONFIRM_PAGE, env_version=current_app.config["WECHAT_ENV_VERSION"]
        )
        kind = "image/png" if image.startswith(b"\x89PNG") else "image/jpeg"
    else:
        buffer = BytesIO()
        segno.make(f"console-login:{ticket.id}", error="m").save(
            buffer, kind="png", scale=6, border=2
        )
        image, kind = buffer.getvalue(), "image/png"
    encoded = base64.b64encode(image).decode("ascii")
    return TicketImage(ticket.id, f"data:{kind};base64,{encoded}", ticket.expires_at)


def status_of(ticket_id: str) -> str:
    ticket = db.session.get(ConsoleLoginTicket, ticket_id)
    if ticket is not None and ticket.used_at is not None:
        return USED
    if ticket is None or ticket.expires_at <= utcnow():
        return EXPIRED
    return CONFIRMED if ticket.confirmed_by_id is not None else PENDING


@use_case
def confirm_ticket(ticket_id: str, officer: User) -> ConsoleLoginTicket:
    """The officer who scanned the code says "sign me in" (staff only, once, in time)."""
    if officer.status != ACTIVE or not officer.has_role(*STAFF_ROLES):
        raise NotStaff()
    ticket = db.session.get(ConsoleLoginTicket, ticket_id) if len(ticket_id) < 64 else None
    if ticket is None:
        raise LoginTicketInvalid()
    confirmed = db.session.execute(
        update(ConsoleLoginTicket)
        .where(
            ConsoleLoginTicket.id == ticket_id,
            ConsoleLoginTicket.confirmed_by_id.is_(None),
            ConsoleLoginTicket.used_at.is_(None),
            ConsoleLoginTicket.expires_at > utcnow(),
        )
        .values(confirmed_by_id=officer.id, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount != 1:
        raise LoginTicketExpired()
    db.session.refresh(ticket)
    return ticket


@use_case
def redeem_ticket(ticket_id: str) -> User | None:
    """The officer a confirmed, unexpired, unused ticket signs in, or None. The ticket is
    used up by the conditional UPDATE, so two polls cannot both sign in."""
    ticket = db.session.get(ConsoleLoginTicket, ticket_id)
    if ticket is None or ticket.confirmed_by_id is None:
        return None
    used = db.session.execute(
        update(ConsoleLoginTicket)
        .where(
            ConsoleLoginTicket.id == ticket_id,
            ConsoleLoginTicket.used_at.is_(None),
            ConsoleLoginTicket.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return None
    user = db.session.get(User, ticket.confirmed_by_id)
    if user is None or user.status != ACTIVE or not user.has_role(*STAFF_ROLES):
        return None
    return user
