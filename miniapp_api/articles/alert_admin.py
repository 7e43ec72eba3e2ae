"""Alerts through the admin API, validated as the files are, and audited
(`alert.create/update/archive`).

An `admin` publishes anything. A `station_admin` publishes local warnings: warnings
whose `zone_ids` all lie in its reach. A city-wide alert (no zones) or a trend is a right
it does not have (403); an alert of zones outside its reach does not exist for it (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, exists, not_, select

from miniapp_api.articles.article_admin import record_changes, slug_free
from miniapp_api.articles.editing import announce_if_out, status_for
from miniapp_api.articles.fields import alert_figures
from miniapp_api.articles.models import ADMIN, ARCHIVED, PUBLISHED, TREND, WARNING, Alert, AlertZone
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.audit.service import audited, changes_since, record, snapshot
from miniapp_api.categories import service as fraud_types
from miniapp_api.errors import Forbidden, ValidationFailed
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones

NOT_FOUND = "预警不存在"
ALERT_COLUMNS = ("slug", "kind", "level", "title", "summary", "published_at", "expires_at")
ALERT_FIELDS = (*ALERT_COLUMNS, "category_id", "status", "zone_ids")


def _alert_values(values: Mapping[str, Any]) -> dict:
    """The columns of a whole alert: the category by id, the body rendered, a trend's
    figures checked against the known fraud types."""
    item = dict(values)
    out = {key: item[key] for key in ALERT_COLUMNS if key in item}
    if "category" in item:
        out["category_id"] = fraud_types.id_of(item["category"]) if item["category"] else None
    if "body" in item:
        out["body_markdown"] = item["body"]
        out["body_html"] = render_markdown(item["body"]) if item["body"] else None
    if item.get("kind") == TREND:
        _known_fraud_types([row["category"] for row in item["categories"]])
    out["figures"] = alert_figures(item) if "kind" in item else None
    return out


def _known_fraud_types(slugs: list[str]) -> None:
    known = fraud_types.existing_slugs(slugs)
    for index, slug in enumerate(slugs):
        if slug not in known:
            raise ValidationFailed(
                errors={"json": {f"categories.{index}.category": ["未知的诈骗类型"]}}
            )


def _may_publish(officer: User, kind: str, zone_ids: list[int]) -> None:
    """FORBIDDEN for what only an admin publishes; NOT_FOUND for a zone out of reach."""
    scope = zones.scope_of(officer)
    if scope.citywide:
        return
    if kind == TREND or not zone_ids:
        raise Forbidden("全市预警和趋势数据只能由市级管理员发布")
    for zone_id in zone_ids:
        scope.require(zone_id, NOT_FOUND)


def _set_zones(alert: Alert, zone_ids: list[int]) -> None:
    """Replace the zones (each must exist); unchanged zones write nothing."""
    wanted = sorted(set(zone_ids))
    for zone_id in wanted:
        zones.get_zone(zone_id)
    if wanted == alert.zone_ids:
        return
    alert.zone_rows.clear()
    alert.updated_at = utcnow()  # an edit of the alert, though its row is unchanged
    if alert in db.session:  # the old rows go first: a kept zone has the same primary key
        db.session.flush()
    alert.zone_rows.extend(AlertZone(zone_id=zone_id) for zone_id in wanted)


def admin_alerts(officer: User, kind: str | None, page: int, per_page: int) -> Page:
    """Every alert the officer may edit, expired and archived ones included, newest first:
    all for an admin, a station admin's local warnings."""
    query = select(Alert)
    scope = zones.scope_of(officer)
    if not scope.citywide:
        own = and_(AlertZone.alert_id == Alert.id)
        query = query.where(
            Alert.kind == WARNING,
            exists().where(own),
            not_(exists().where(own, not_(scope.where(AlertZone.zone_id)))),
        )
    if kind:
        query = query.where(Alert.kind == kind)
    return paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)


def get_alert(alert_id: int, officer: User) -> Alert:
    alert = get_or_404(Alert, alert_id, NOT_FOUND)
    _may_publish(officer, alert.kind, alert.zone_ids)
    return alert


@audited
def create_alert(values: Mapping[str, Any], officer: User) -> Alert:
    """A warning or a week of trend figures (a later `published_at` schedules it)."""
    _may_publish(officer, values["kind"], values.get("zone_ids", []))
    slug_free(Alert, values["slug"])
    alert = Alert(**_alert_values(values), source=ADMIN)
    alert.status = status_for(PUBLISHED, alert.published_at)
    _set_zones(alert, values.get("zone_ids", []))
    db.session.add(alert)
    db.session.flush()
    created = {key: [None, value] for key, value in snapshot(alert, ALERT_FIELDS).items()}
    zone_id = alert.zone_ids[0] if alert.zone_ids else None
    record(officer, "alert.create", "alert", alert.id, zone_id=zone_id, changes=created)
    announce_if_out("alert", alert)
    return alert


@audited
def replace_alert(alert_id: int, values: Mapping[str, Any], officer: User) -> Alert:
    """Alerts are small: an edit sends the whole alert, validated as on creation."""
    alert = get_alert(alert_id, officer)
    _may_publish(officer, values["kind"], values.get("zone_ids", []))
    slug_free(Alert, values["slug"], alert.id)
    before = snapshot(alert, ALERT_FIELDS)
    old_body = alert.body_markdown
    for key, value in _alert_values(values).items():
        setattr(alert, key, value)
    _set_zones(alert, values.get("zone_ids", []))
    if alert.status != ARCHIVED:
        alert.status = status_for(PUBLISHED, alert.published_at)
    changes = changes_since(before, alert)
    if alert.body_markdown != old_body:
        changes["body"] = ["previous", "edited"]
    zone_id = alert.zone_ids[0] if alert.zone_ids else None
    record_changes(officer, "alert.update", alert, changes, zone_id=zone_id)
    announce_if_out("alert", alert)
    return alert


@audited
def archive_alert(alert_id: int, officer: User) -> None:
    alert = get_alert(alert_id, officer)
    changes = {} if alert.status == ARCHIVED else {"status": [alert.status, ARCHIVED]}
    alert.status = ARCHIVED
    zone_id = alert.zone_ids[0] if alert.zone_ids else None
    record_changes(officer, "alert.archive", alert, changes, zone_id=zone_id)
