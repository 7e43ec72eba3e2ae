"""Alerts: current warnings and weekly trend figures (shares and changes computed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from miniapp_api.articles.models import (
    PUBLISHED,
    SCHEDULED,
    Alert,
)
from miniapp_api.categories.models import Category
from miniapp_api.common_fields import Merged
from miniapp_api.storage import db, paginate
from miniapp_api.timeutil import utcnow


def _alert_visible():
    now = utcnow()
    return and_(
        Alert.status.in_((PUBLISHED, SCHEDULED)),
        Alert.published_at <= now,
        or_(Alert.expires_at.is_(None), Alert.expires_at > now),
    )


def alerts(kind: str | None, page: int, per_page: int) -> dict:
    query = select(Alert).where(_alert_visible())
    if kind:
        query = query.where(Alert.kind == kind)
    result = paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)
    result = replace(result, items=[alert_view(alert) for alert in result.items])
    return result


def _previous_week(alert: Alert) -> dict | None:
    start = datetime.fromisoformat(alert.figures["period"]["start"]).date()
    wanted = (start - timedelta(days=7)).isoformat()
    for candidate in db.session.scalars(
        select(Alert).where(Alert.kind == "trend", Alert.id != alert.id, _alert_visible())
    ):
        if candidate.figures and candidate.figures["period"]["start"] == wanted:
            return candidate.figures
    return None


def _change(now: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def trend_view(figures: dict, previous: dict | None) -> dict:
    """Shares and week-on-week changes, computed from the raw counts."""
    before_d = {d["district"]: d for d in (previous or {}).get("districts", [])}
    before_c = {c["category"]: c for c in (previous or {}).get("categories", [])}
    cases = sum(d["cases"] for d in figures["districts"])
    loss = round(sum(d["loss_wan"] for d in figures["districts"]), 1)
    prev_cases = sum(d["cases"] for d in before_d.values()) if previous else None
    prev_loss = sum(d["loss_wan"] for d in before_d.values()) if previous else None
    names = dict(db.session.execute(select(Category.slug, Category.name)).all())
    return {
        "period": figures["period"],
        "source": figures["source"],
        "total": {
            "cases": cases,
            "loss_wan": loss,
            "cases_change_pct": _change(cases, prev_cases),
            "loss_change_pct": _change(loss, prev_loss),
        },
        "districts": [
            {
                **d,
                "cases_change_pct": _change(
                    d["cases"], before_d.get(d["district"], {}).get("cases")
                ),
            }
            for d in sorted(figures["districts"], key=lambda d: -d["cases"])
        ],
        "categories": [
            {
                "category": c["category"],
                "name": names.get(c["category"]),
                "cases": c["cases"],
                "share_pct": round(c["cases"] / cases * 100, 1) if cases else 0.0,
                "cases_change": (
                    c["cases"] - before_c[c["category"]]["cases"]
                    if c["category"] in before_c
                    else None
                ),
            }
            for c in sorted(figures["categories"], key=lambda c: -c["cases"])
        ],
    }


def alert_view(alert: Alert) -> Merged:
    trend = trend_view(alert.figures, _previous_week(alert)) if alert.figures else None
    return Merged(alert, trend=trend)
