"""Alerts: current warnings and weekly trend figures (totals, shares and changes computed
against the week before). A warning published for zones (a station's local warning) is
shown only to readers of those zones or the zones below them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, exists, not_, or_, select

from miniapp_api.articles.models import PUBLISHED, SCHEDULED, TREND, Alert, AlertZone
from miniapp_api.articles.trends import Trend, trend
from miniapp_api.categories import service as fraud_types
from miniapp_api.storage import Page, db, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones


def alert_visible():
    """Readers see published alerts once their time has come, until they expire."""
    now = utcnow()
    return and_(
        Alert.status.in_((PUBLISHED, SCHEDULED)),
        Alert.published_at <= now,
        or_(Alert.expires_at.is_(None), Alert.expires_at > now),
    )


@dataclass(frozen=True)
class AlertView:
    """An alert as readers see it: a trend's figures come computed."""

    alert: Alert
    trend: Trend | None


def for_reader(reader: User | None):
    """City-wide alerts for everyone; local warnings too for a reader whose zone (their
    `users.zone_id`), or a zone above it, they were published for."""
    local = exists().where(AlertZone.alert_id == Alert.id)
    reach = reader_zones(reader)
    if not reach:
        return not_(local)
    return or_(not_(local), local.where(AlertZone.zone_id.in_(reach)))


def reader_zones(reader: User | None) -> tuple[int, ...]:
    """The zones whose local warnings `reader` sees: theirs and those above it."""
    return tuple(zones.lineage(reader.zone_id)) if reader is not None else ()


def alerts(kind: str | None, page: int, per_page: int, reader: User | None = None) -> Page:
    """Visible alerts for `reader` (or an anonymous one), newest first, of one kind if
    given."""
    query = select(Alert).where(alert_visible(), for_reader(reader))
    if kind:
        query = query.where(Alert.kind == kind)
    result = paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)
    return replace(result, items=_views(result.items))


def _views(alerts: list[Alert]) -> list[AlertView]:
    """One query for the weeks to compare with and one for the names, when a trend needs them."""
    if not any(alert.figures for alert in alerts):
        return [AlertView(alert, None) for alert in alerts]
    weeks, names = _visible_weeks(), fraud_types.names_by_slug()
    return [
        AlertView(alert, trend(alert.figures, weeks.get(_week_before(alert)), names))
        if alert.figures
        else AlertView(alert, None)
        for alert in alerts
    ]


def _week_before(alert: Alert) -> str:
    start = date.fromisoformat(alert.figures["period"]["start"])
    return (start - timedelta(days=7)).isoformat()


def _visible_weeks() -> dict[str, dict]:
    """The figures of every visible trend by the Monday its week starts; of two for one
    week, the one published last."""
    weeks: dict[str, dict] = {}
    for figures in db.session.scalars(
        select(Alert.figures)
        .where(Alert.kind == TREND, alert_visible())
        .order_by(Alert.published_at.desc(), Alert.id.desc())
    ):
        if figures:
            weeks.setdefault(figures["period"]["start"], figures)
    return weeks
