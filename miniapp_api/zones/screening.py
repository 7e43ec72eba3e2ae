"""Content security for what the zones domain shows others: event titles and descriptions
and promoters' organisations go through the moderation domain's check; a held event is
left out of public reads; what rejecting such a text does (registered by `wiring`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from miniapp_api.moderation import service as moderation
from miniapp_api.moderation.models import EVENT, NICKNAME, ORGANISATION
from miniapp_api.moderation.service import Screening
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones.models import Event, PromoterApplication

EVENT_FIELDS = ("title", "description")
REJECTED_REASON = "活动内容未通过审核"
HIDDEN_ORGANISATION = "（内容未通过审核）"


def event_text(values: Mapping[str, Any]) -> str:
    """The text of an event others read: its title and description."""
    return "\n".join(str(values[key]) for key in EVENT_FIELDS if values.get(key))


def judge_event(author: User, values: Mapping[str, Any]) -> Screening | None:
    """CONTENT_RISKY for a risky title or description (naming those given), else the
    screening to keep once the event is stored."""
    fields = tuple(key for key in EVENT_FIELDS if values.get(key)) or ("title",)
    return moderation.judge(author, EVENT, event_text(values), fields)


def keep_event(screening: Screening | None, event: Event, author: User) -> None:
    db.session.flush()
    moderation.keep(screening, event.id, author, event.zone_id)


def judge_organisation(author: User, organisation: str) -> Screening | None:
    return moderation.judge(author, ORGANISATION, organisation, ("organisation",))


def keep_organisation(
    screening: Screening | None, application: PromoterApplication, author: User
) -> None:
    db.session.flush()
    moderation.keep(screening, application.id, author, application.zone_id)


def held_nicknames(user_ids: list[int]) -> set[int]:
    """Those of the users whose nickname is held for review (shown as the placeholder)."""
    return moderation.held_among(NICKNAME, user_ids)


def hidden_events():
    """The ids of events held for review (a subquery for public lists)."""
    return moderation.held(EVENT)


def is_hidden(event: Event) -> bool:
    return moderation.is_held(EVENT, event.id)


def withdraw_event(event_id: int) -> None:
    """A rejected event is cancelled (a step of the rejection)."""
    event = db.session.get(Event, event_id)
    if event is not None and not event.cancelled:
        event.cancelled, event.cancelled_at = True, utcnow()
        event.cancel_reason = REJECTED_REASON


def hide_organisation(application_id: int) -> None:
    """A rejected organisation is replaced in its application (a step)."""
    application = db.session.get(PromoterApplication, application_id)
    if application is not None:
        application.organisation = HIDDEN_ORGANISATION
