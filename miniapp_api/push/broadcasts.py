"""Targeted warnings: a published warning or article pushed to the users a filter selects
who hold quota for its template, in batches (one job each, at a configured send rate).

An officer's broadcast (`admin`, or a `station_admin` within its zones) is audited; a
publication in a fraud type queues one to the users subscribed to it (`announce`). The
message key is the content's (`alert:12`), so a user gets one message per content,
however many broadcasts name it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from miniapp_api.articles.models import PUBLISHED, SCHEDULED, WARNING, Alert, Article
from miniapp_api.audit.service import audited, record
from miniapp_api.errors import NotFound
from miniapp_api.jobs import enqueue
from miniapp_api.push.jobs import deliver
from miniapp_api.push.models import CANCELLED, DONE, QUEUED, SENDING, Broadcast, MessageSubscription
from miniapp_api.push.sending import Message
from miniapp_api.storage import db, get_or_404, use_case
from miniapp_api.timeutil import to_local, utcnow
from miniapp_api.users.models import ACTIVE, User
from miniapp_api.zones.scope import scope_of, subtree

NOT_FOUND = "推送任务不存在"
FILTERS = ("zone_ids", "age_groups", "occupations", "categories")


def message_of(alert: Alert | None = None, article: Article | None = None) -> Message:
    if alert is not None:
        values = {"thing1": alert.title, "thing2": alert.summary, "time3": _when(alert)}
        return Message(f"alert:{alert.id}", "warning", values, f"id={alert.id}")
    assert article is not None
    values = {"thing1": article.title, "thing2": article.category.name, "time3": _when(article)}
    return Message(f"article:{article.id}", "new_article", values, f"id={article.id}")


def is_out(content: Any) -> bool:
    """Published, or scheduled for a time that has come."""
    if content.status == PUBLISHED:
        return True
    return content.status == SCHEDULED and content.published_at <= utcnow()


def _when(content: Any):
    return to_local(content.published_at or utcnow())


def _content(values: Mapping[str, Any]) -> tuple[Message, list[int]]:
    """The message and the content's own zones; NOT_FOUND unless it is published."""
    if values.get("alert_id") is not None:
        alert = get_or_404(Alert, values["alert_id"], "预警不存在")
        if not is_out(alert) or alert.kind != WARNING:
            raise NotFound("预警不存在或未发布")
        return message_of(alert=alert), alert.zone_ids
    article = get_or_404(Article, values["article_id"], "文章不存在")
    if not is_out(article):
        raise NotFound("文章不存在或未发布")
    return message_of(article=article), []


@audited
def create_broadcast(values: Mapping[str, Any], officer: User) -> Broadcast:
    """Queue the push; a station admin's zones default to its own and must be in reach."""
    message, own_zones = _content(values)
    scope = scope_of(officer)
    filters = {name: sorted(set(values[name])) for name in FILTERS if values.get(name)}
    if own_zones and not filters.get("zone_ids"):
        filters["zone_ids"] = sorted(own_zones)
    if not scope.citywide and not filters.get("zone_ids"):
        if not scope.zone_ids:  # an officer without zones reaches no one, never everyone
            raise NotFound("区域不存在")
        filters["zone_ids"] = sorted(scope.zone_ids)
    for zone_id in filters.get("zone_ids", []):
        scope.require(zone_id, "区域不存在")
    broadcast = queue(message, filters, officer)
    zone_id = filters["zone_ids"][0] if filters.get("zone_ids") else None
    changes = {"message": [None, message.key], "targeted": [None, broadcast.targeted]}
    record(officer, "broadcast.create", "broadcast", broadcast.id, zone_id=zone_id, changes=changes)
    return broadcast


def queue(message: Message, filters: dict, officer: User | None) -> Broadcast:
    """Write the broadcast and queue its batches (after the commit)."""
    recipients = recipients_of(message.template_key, filters)
    size = max(1, current_app.config["PUSH_BATCH_SIZE"])
    batches = [recipients[i : i + size] for i in range(0, len(recipients), size)]
    broadcast = Broadcast(
        message_key=message.key,
        template_key=message.template_key,
        alert_id=_id_in(message, "alert"),
        article_id=_id_in(message, "article"),
        filters=filters,
        targeted=len(recipients),
        batches=len(batches),
        created_by_id=getattr(officer, "id", None),
        status=QUEUED if batches else DONE,
        finished_at=None if batches else utcnow(),
    )
    db.session.add(broadcast)
    db.session.flush()
    for batch in batches:
        enqueue(deliver, asdict(message), batch, broadcast.id)
    return broadcast


def _id_in(message: Message, kind: str) -> int | None:
    prefix, _, number = message.key.partition(":")
    return int(number) if prefix == kind else None


def recipients_of(template_key: str, filters: Mapping[str, Any]) -> list[int]:
    """Active users the filters select who hold quota for the template, by id."""
    query = (
        select(User.id, User.subscribed_categories)
        .join(MessageSubscription, MessageSubscription.user_id == User.id)
        .where(
            User.status == ACTIVE,
            MessageSubscription.template_key == template_key,
            or_(MessageSubscription.long_term, MessageSubscription.remaining > 0),
        )
    )
    if "zone_ids" in filters:  # an empty list selects no one
        query = query.where(User.zone_id.in_(subtree(set(filters["zone_ids"]))))
    if filters.get("age_groups"):
        query = query.where(User.age_group.in_(filters["age_groups"]))
    if filters.get("occupations"):
        query = query.where(User.occupation.in_(filters["occupations"]))
    wanted = set(filters.get("categories") or ())
    return [
        user_id
        for user_id, categories in db.session.execute(query.order_by(User.id))
        if not wanted or wanted & set(categories or ())
    ]


def get_broadcast(broadcast_id: int, officer: User) -> Broadcast:
    """NOT_FOUND for a station admin unless every zone the broadcast names is in reach."""
    broadcast = get_or_404(Broadcast, broadcast_id, NOT_FOUND)
    scope = scope_of(officer)
    zones = broadcast.filters.get("zone_ids") or []
    if not scope.citywide and (not zones or not all(scope.covers(z) for z in zones)):
        raise NotFound(NOT_FOUND)
    return broadcast


@audited
def cancel_broadcast(broadcast_id: int, officer: User) -> Broadcast:
    """Stop the batches not yet started (those running finish their recipients)."""
    broadcast = get_broadcast(broadcast_id, officer)
    before = broadcast.status
    db.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status.in_((QUEUED, SENDING)))
        .values(status=CANCELLED, finished_at=utcnow())
    )
    db.session.refresh(broadcast)
    zones = broadcast.filters.get("zone_ids") or [None]
    changes = {"status": [before, broadcast.status]} if before != broadcast.status else {}
    record(
        officer, "broadcast.cancel", "broadcast", broadcast.id, zone_id=zones[0], changes=changes
    )
    return broadcast


@use_case
def announce(kind: str, content_id: int) -> Broadcast | None:
    """A published warning or article in a fraud type, to the users subscribed to it
    (within the warning's zones): once per content."""
    model = Alert if kind == "alert" else Article
    content = db.session.get(model, content_id)
    if content is None or not is_out(content) or content.category is None:
        return None
    if kind == "alert" and content.kind != WARNING:
        return None
    message = message_of(**{kind: content})
    if db.session.scalar(
        select(Broadcast.id).where(
            Broadcast.message_key == message.key, Broadcast.created_by_id.is_(None)
        )
    ):
        return None
    filters: dict[str, Any] = {"categories": [content.category.slug]}
    if kind == "alert" and content.zone_ids:
        filters["zone_ids"] = sorted(content.zone_ids)
    return queue(message, filters, None)
