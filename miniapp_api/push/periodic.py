"""Periodic jobs (huey runs them in `flask jobs worker`, UTC crontabs): event reminders,
warnings and articles whose scheduled time came, the report of deliveries a crash left
pending, and the nightly consistency check of points and leaderboards."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from miniapp_api.articles.models import PUBLISHED, SCHEDULED, WARNING, Alert, Article
from miniapp_api.jobs import crontab, enqueue, periodic
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.points import service as points
from miniapp_api.push import broadcasts
from miniapp_api.push.jobs import deliver
from miniapp_api.push.models import Delivery, MessageSubscription
from miniapp_api.push.sending import Message, stale_pending
from miniapp_api.storage import db
from miniapp_api.timeutil import to_local, utcnow
from miniapp_api.users.models import ACTIVE, User
from miniapp_api.zones.models import Enrollment, Event

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=1)  # scheduled content older than this is not pushed any more


@periodic(crontab(minute="*/5"))
def remind_events() -> None:
    send_event_reminders()


@periodic(crontab(minute="*"))
def push_due_content() -> None:
    announce_due_content()


@periodic(crontab(minute="*/10"))
def report_stale_deliveries() -> None:
    stale_pending(current_app.config["PUSH_STALE_MINUTES"])


@periodic(crontab(hour="19", minute="30"))  # 03:30 in Shanghai
def nightly_check() -> None:
    consistency_check()


def send_event_reminders() -> int:
    """Events starting within PUSH_REMINDER_MINUTES: the organiser's volunteers in the
    event's zone who hold quota and were not reminded yet. Returns the jobs queued."""
    now = utcnow()
    soon = now + timedelta(minutes=current_app.config["PUSH_REMINDER_MINUTES"])
    starting = Event.starts_at.between(now, soon)
    events = db.session.scalars(select(Event).where(Event.cancelled.is_(False), starting)).all()
    queued = 0
    for event in events:
        message = Message(
            f"event:{event.id}:reminder",
            "event_reminder",
            {"thing1": event.title, "time2": to_local(event.starts_at),
             "thing3": event.place_name or event.zone.name},
            f"id={event.id}",
        )  # fmt: skip
        recipients = _reminded(event, message.key)
        size = max(1, current_app.config["PUSH_BATCH_SIZE"])
        for start in range(0, len(recipients), size):
            enqueue(deliver, asdict(message), recipients[start : start + size])
            queued += 1
    return queued


def _reminded(event: Event, message_key: str) -> list[int]:
    subscription = MessageSubscription
    query = (
        select(Enrollment.volunteer_id)
        .join(User, User.id == Enrollment.volunteer_id)
        .join(subscription, subscription.user_id == User.id)
        .where(
            Enrollment.promoter_id == event.promoter_id,
            Enrollment.zone_id == event.zone_id,
            User.status == ACTIVE,
            subscription.template_key == "event_reminder",
            or_(subscription.long_term, subscription.remaining > 0),
            ~exists().where(Delivery.user_id == User.id, Delivery.message_key == message_key),
        )
        .order_by(Enrollment.volunteer_id)
    )
    return list(db.session.scalars(query))


def announce_due_content() -> int:
    """Warnings and articles whose (scheduled) time came within a day: pushed once each
    (`broadcasts.announce` skips what was pushed already)."""
    now = utcnow()
    found = 0
    for kind, model in (("alert", Alert), ("article", Article)):
        query = select(model.id).where(
            model.status.in_((PUBLISHED, SCHEDULED)),
            model.published_at <= now,
            model.published_at > now - CATCH_UP,
            model.category_id.is_not(None),
        )
        if model is Alert:
            query = query.where(Alert.kind == WARNING)
        for content_id in db.session.scalars(query).all():
            found += broadcasts.announce(kind, content_id) is not None
    return found


def consistency_check() -> dict[str, int]:
    """Balances against the ledger (`flask points verify`) and the leaderboards' summary
    rows against the ledger; an error in the log for any difference."""
    balances = points.verify_balances()
    scores = leaderboards.verify()
    for user_id, cached, ledger in balances[:20]:
        log.error("points: user %s has balance %s, ledger sum %s", user_id, cached, ledger)
    for row in scores[:20]:
        log.error("leaderboards: %s/%s zone %s user %s stored %s, ledger %s", *row)
    if balances or scores:
        log.error(
            "nightly check: %d balance(s) and %d leaderboard row(s) differ from the ledger "
            "(fix: flask leaderboards rebuild)",
            len(balances),
            len(scores),
        )
    return {"balances": len(balances), "leaderboard_rows": len(scores)}
