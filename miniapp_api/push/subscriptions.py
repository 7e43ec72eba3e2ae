"""What `wx.requestSubscribeMessage` answered: each `accept` of a one-time template adds
one send to the user's quota for it; a long-term template keeps sending while accepted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import delete, select

from miniapp_api.errors import ValidationFailed
from miniapp_api.push import templates
from miniapp_api.push.models import Delivery, MessageSubscription
from miniapp_api.push.sending import TEMPLATES_KEY
from miniapp_api.storage import db, insert, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User

UNKNOWN = "未知的订阅消息模板"


def configure(app: Flask) -> None:
    """The app's templates, from its settings (a bad setting stops the app at start)."""
    app.extensions[TEMPLATES_KEY] = templates.load(
        app.config["WECHAT_TEMPLATE_IDS"], app.config["WECHAT_TEMPLATES"]
    )


@dataclass(frozen=True)
class Standing:
    key: str
    template_id: str
    remaining: int
    long_term: bool


def _by_template_id() -> dict[str, templates.Template]:
    return {t.template_id: t for t in current_app.extensions[TEMPLATES_KEY].values()}


@use_case
def record_results(user: User, results: Mapping[str, str]) -> list[Standing]:
    """Record each answer; an unknown template id refuses the whole call (422). A `ban`
    (the user turned the template off) empties the quota."""
    known = _by_template_id()
    unknown = sorted(set(results) - set(known))
    if unknown:
        raise ValidationFailed(errors={"json": {"results": {tid: [UNKNOWN] for tid in unknown}}})
    now = utcnow()
    for template_id, result in sorted(results.items()):
        chosen = known[template_id]
        added = 1 if result == "accept" and not chosen.long_term else 0
        row = {"user_id": user.id, "template_key": chosen.key, "template_id": template_id,
               "remaining": added, "long_term": chosen.long_term, "last_result": result,
               "updated_at": now}  # fmt: skip
        kept = 0 if result == "ban" else MessageSubscription.remaining + added
        db.session.execute(
            insert(MessageSubscription)
            .values(row)
            .on_conflict_do_update(
                index_elements=["user_id", "template_key"],
                set_={"remaining": kept, "template_id": template_id, "last_result": result,
                      "long_term": chosen.long_term, "updated_at": now},
            )
        )  # fmt: skip
    return standings(user)


def standings(user: User) -> list[Standing]:
    """Every template, with the user's sends left (0 for one never accepted)."""
    rows = {
        row.template_key: row
        for row in db.session.scalars(
            select(MessageSubscription).where(MessageSubscription.user_id == user.id)
        )
    }
    found = []
    for key, chosen in current_app.extensions[TEMPLATES_KEY].items():
        row = rows.get(key)
        active = chosen.long_term and row is not None and row.last_result == "accept"
        remaining = row.remaining if row is not None else 0
        found.append(Standing(key, chosen.template_id, 1 if active else remaining, active))
    return found


def export_subscriptions(user: User) -> dict:
    """The user's part of `GET /me/export`: subscriptions and the messages sent."""
    subscriptions = db.session.scalars(
        select(MessageSubscription).where(MessageSubscription.user_id == user.id)
    )
    deliveries = db.session.scalars(select(Delivery).where(Delivery.user_id == user.id))
    return {
        "subscriptions": [
            {"key": row.template_key, "template_id": row.template_id, "remaining": row.remaining,
             "last_result": row.last_result, "updated_at": row.updated_at.isoformat()}
            for row in subscriptions
        ],
        "deliveries": [
            {"message_key": row.message_key, "template_key": row.template_key,
             "status": row.status, "created_at": row.created_at.isoformat()}
            for row in deliveries
        ],
    }  # fmt: skip


def forget_subscriptions(user: User) -> None:
    """`DELETE /me`: no more messages, and no record of the ones sent."""
    db.session.execute(delete(MessageSubscription).where(MessageSubscription.user_id == user.id))
    db.session.execute(delete(Delivery).where(Delivery.user_id == user.id))
