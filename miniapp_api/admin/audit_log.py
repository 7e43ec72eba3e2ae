"""Reading the audit log: an `admin` reads every entry, a `station_admin` the entries whose
zone is in its reach (entries without a zone, such as catalogue changes, are city-wide).
Reading it is not itself an administrative action: it records nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import Page, paginate
from miniapp_api.timeutil import app_timezone
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones


@dataclass(frozen=True)
class AuditItem:
    """One entry with the acting officer's nickname (None for an operator's command)."""

    entry: AuditEntry
    actor_nickname: str | None


def audit_entries(
    officer: User,
    *,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Entries in the officer's reach, newest first, filtered by exact actor, object and
    action, and by days in the app's time zone (`date_from` to `date_to`, both included):
    a page of `AuditItem`."""
    query = (
        select(AuditEntry, User.nickname)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(zones.scope_of(officer).where(AuditEntry.zone_id))
    )
    exact = {
        AuditEntry.actor_id: actor_id,
        AuditEntry.object_type: object_type,
        AuditEntry.object_id: object_id,
        AuditEntry.action: action,
    }
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if date_from is not None:
        query = query.where(AuditEntry.created_at >= _local_midnight(date_from))
    if date_to is not None:
        query = query.where(AuditEntry.created_at < _local_midnight(date_to + timedelta(days=1)))
    rows = paginate(query.order_by(AuditEntry.id.desc()), page, per_page, scalars=False)
    return Page([AuditItem(*row) for row in rows.items], rows.page, rows.per_page, rows.total)


def _local_midnight(day: date) -> datetime:
    """The instant the day begins in the app's time zone, in UTC."""
    return datetime.combine(day, time.min, tzinfo=app_timezone()).astimezone(UTC)
