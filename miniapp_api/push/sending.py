"""Sending a message to a batch of users, at most once each, whatever crashes.

Three steps. `_claim` (one unit of work, committed before WeChat is called) writes a
`pending` delivery per user under the unique key (user, message key) and spends one
send of the user's quota with a conditional UPDATE (`remaining > 0`), so neither a rerun
nor a parallel job can claim the same user twice or spend the last send twice; users
without quota are settled `no_quota` at once. Then WeChat is called for each claimed
user, outside any transaction. `_settle` (a second unit of work) records each answer:
sent; refused (43101: the user's quota is 0 from now on); failed for good (40003, 47003,
41030); or `retry`: a later run of the job sends those again (their quota is already
spent) and huey retries the job with backoff. A crash between a send and its settling
leaves the row `pending`: it is reported (`stale_pending`) and never sent again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update

from miniapp_api.push.models import (
    DONE,
    FAILED,
    NO_QUOTA,
    PENDING,
    REFUSED,
    RETRY,
    SENDING,
    SENT,
    Broadcast,
    Delivery,
    MessageSubscription,
)
from miniapp_api.push.templates import Template
from miniapp_api.storage import db, insert, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import ACTIVE, User
from miniapp_api.wechat import get_wechat_client
from miniapp_api.wechat.errors import WeChatUnavailable
from miniapp_api.wechat.messaging import Outcome

log = logging.getLogger(__name__)
TEMPLATES_KEY = "push_templates"
STATUS_OF = {
    Outcome.SENT: SENT,
    Outcome.REFUSED: REFUSED,
    Outcome.PERMANENT: FAILED,
    Outcome.RETRY: RETRY,
}


class RetryLater(Exception):
    """Some sends of the batch must be tried again later (huey retries the job)."""


@dataclass(frozen=True)
class Message:
    """What to send: its key (one delivery per user and key), the template, the field
    values (by field name) and the page's query string."""

    key: str
    template_key: str
    values: dict
    query: str = ""


@dataclass
class Claim:
    recipients: dict[int, str] = field(default_factory=dict)  # user id -> openid
    no_quota: int = 0
    gone: int = 0


def template(key: str) -> Template:
    return current_app.extensions[TEMPLATES_KEY][key]


def send_batch(message: Message, user_ids: list[int], broadcast_id: int | None = None) -> Counter:
    """Send `message` to each of `user_ids` at most once; the count of each status."""
    claim = _claim(message, sorted(set(user_ids)), broadcast_id)
    answers = _call(message, claim.recipients)
    counts = _settle(message, answers, claim, broadcast_id)
    if counts[RETRY]:
        raise RetryLater(f"{counts[RETRY]} sends of {message.key} to retry")
    return counts


@use_case
def _claim(message: Message, user_ids: list[int], broadcast_id: int | None) -> Claim:
    if not user_ids:
        return Claim()
    active = set(
        db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.status == ACTIVE))
    )
    again = db.session.scalars(
        update(Delivery)
        .where(
            Delivery.message_key == message.key,
            Delivery.user_id.in_(active),
            Delivery.status == RETRY,
        )
        .values(status=PENDING)
        .returning(Delivery.user_id)
    ).all()
    new = set(_new_rows(message, user_ids, broadcast_id))
    gone = sorted(new - active)  # banned or deleted since they were chosen
    if gone:
        _mark(message.key, gone, FAILED, None)
    spent = _spend_quota(message.template_key, sorted(new & active))
    no_quota = sorted((new & active) - set(spent))
    if no_quota:
        _mark(message.key, no_quota, NO_QUOTA, None)
    ids = [*again, *spent]
    openids = db.session.execute(select(User.id, User.openid).where(User.id.in_(ids))).all()
    return Claim(dict(openids), len(no_quota), len(gone))


def _new_rows(message: Message, user_ids: list[int], broadcast_id: int | None) -> list[int]:
    """A pending delivery per user who has none for the message; those users."""
    rows = [
        {"user_id": user_id, "message_key": message.key, "template_key": message.template_key,
         "broadcast_id": broadcast_id, "status": PENDING, "created_at": utcnow()}
        for user_id in user_ids
    ]  # fmt: skip
    return db.session.scalars(
        insert(Delivery).values(rows).on_conflict_do_nothing().returning(Delivery.user_id)
    ).all()


def _spend_quota(template_key: str, user_ids: list[int]) -> list[int]:
    """One send from each user's quota for the template; the users who had one."""
    if not user_ids:
        return []
    subscription = MessageSubscription
    return db.session.scalars(
        update(subscription)
        .where(
            subscription.user_id.in_(user_ids),
            subscription.template_key == template_key,
            or_(subscription.long_term, subscription.remaining > 0),
        )
        .values(
            remaining=case(
                (subscription.long_term, subscription.remaining),
                else_=subscription.remaining - 1,
            ),
            updated_at=utcnow(),
        )
        .returning(subscription.user_id)
    ).all()


def _call(message: Message, recipients: dict[int, str]) -> dict[int, tuple[str, int]]:
    """WeChat's answer per user: (status, errcode). At most PUSH_SEND_RATE a second."""
    if not recipients:
        return {}
    client = get_wechat_client()
    chosen = template(message.template_key)
    data = chosen.data(message.values)
    page = f"{chosen.page}?{message.query}" if message.query else chosen.page
    state = current_app.config["WECHAT_MINIPROGRAM_STATE"]
    rate = current_app.config["PUSH_SEND_RATE"]
    answers, started = {}, time.monotonic()
    for done, (user_id, openid) in enumerate(recipients.items()):
        if rate > 0:
            time.sleep(max(0.0, started + done / rate - time.monotonic()))
        try:
            result = client.send_subscribe_message(
                openid, chosen.template_id, data, page, state=state
            )
            answers[user_id] = (STATUS_OF[result.outcome], result.errcode)
        except WeChatUnavailable:  # no access token: try again later
            answers[user_id] = (RETRY, -1)
    return answers


def _mark(message_key: str, user_ids: list[int], status: str, errcode: int | None) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.message_key == message_key, Delivery.user_id.in_(user_ids))
        .values(status=status, errcode=errcode, settled_at=utcnow())
    )


@use_case
def _settle(
    message: Message, answers: dict[int, tuple[str, int]], claim: Claim, broadcast_id: int | None
) -> Counter:
    groups: dict[tuple[str, int], list[int]] = {}
    for user_id, answer in answers.items():
        groups.setdefault(answer, []).append(user_id)
    for (status, errcode), user_ids in groups.items():
        _mark(message.key, user_ids, status, errcode or None)
        if status == REFUSED:
            db.session.execute(
                update(MessageSubscription)
                .where(
                    MessageSubscription.user_id.in_(user_ids),
                    MessageSubscription.template_key == message.template_key,
                )
                .values(remaining=0, updated_at=utcnow())
            )
    counts = Counter({status: len(ids) for (status, _), ids in groups.items()})
    counts[NO_QUOTA] += claim.no_quota
    counts[FAILED] += claim.gone
    if broadcast_id is not None:
        _count(broadcast_id, counts)
    return counts


def _count(broadcast_id: int, counts: Counter) -> None:
    """Add the batch's outcome to its broadcast; the last finished batch ends it."""
    finished = 0 if counts[RETRY] else 1
    db.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(
            sent=Broadcast.sent + counts[SENT],
            failed=Broadcast.failed + counts[FAILED],
            no_quota=Broadcast.no_quota + counts[NO_QUOTA] + counts[REFUSED],
            batches_done=Broadcast.batches_done + finished,
        )
    )
    db.session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == SENDING,
            Broadcast.batches_done >= Broadcast.batches,
        )
        .values(status=DONE, finished_at=utcnow())
    )


def stale_pending(minutes: int) -> int:
    """Deliveries left pending longer than `minutes` (a crash between a send and its
    settling): logged and counted, never sent again."""
    since = utcnow() - timedelta(minutes=minutes)
    rows = db.session.execute(
        select(Delivery.message_key, Delivery.id).where(
            and_(Delivery.status == PENDING, Delivery.created_at < since)
        )
    ).all()
    if rows:
        keys = Counter(key for key, _ in rows)
        log.error("push: %d deliveries left pending (not resent): %s", len(rows), dict(keys))
    return len(rows)
