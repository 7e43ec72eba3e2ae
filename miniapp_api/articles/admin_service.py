"""Content administration: articles and alerts through the API, validated as files are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from miniapp_api.articles.editing import set_tags, status_for
from miniapp_api.articles.fields import alert_figures
from miniapp_api.articles.models import (
    ADMIN,
    ARCHIVED,
    DRAFT,
    PUBLISHED,
    SCHEDULED,
    TREND,
    Alert,
    Article,
)
from miniapp_api.articles.reading import filtered
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.categories import service as fraud_types
from miniapp_api.errors import Conflict, ValidationFailed
from miniapp_api.storage import Page, db, get_or_404, paginate, use_case
from miniapp_api.timeutil import utcnow

ALERT_COLUMNS = ("slug", "kind", "level", "title", "summary", "published_at", "expires_at")


def _slug_free(model: type[Article] | type[Alert], slug: str, own_id: int | None = None) -> None:
    taken = db.session.scalar(select(model.id).where(model.slug == slug))
    if taken is not None and taken != own_id:
        raise Conflict("该标识（slug）已被使用", errors={"json": {"slug": ["已被使用"]}})


# ---- articles ---------------------------------------------------------------------------


def _article_values(values: Mapping[str, Any]) -> dict:
    """The columns for the fields sent: the category by id, the body also rendered."""
    out = dict(values)
    if "category" in out:
        out["category_id"] = fraud_types.id_of(out.pop("category"))
    if "body_markdown" in out:
        out["body_html"] = render_markdown(out["body_markdown"])
    return out


def admin_articles(
    status: str | None, category: str | None, text: str | None, page: int, per_page: int
) -> Page:
    """Every article in any state, newest first."""
    query = filtered(select(Article), category, None, text)
    if status:
        query = query.where(Article.status == status)
    return paginate(query.order_by(Article.id.desc()), page, per_page)


def get_article(article_id: int) -> Article:
    return get_or_404(Article, article_id, "文章不存在")


@use_case
def create_article(values: Mapping[str, Any]) -> Article:
    """A draft, published now, or scheduled (a later `published_at`)."""
    values = dict(values)
    _slug_free(Article, values["slug"])
    tags = values.pop("tags", [])
    requested = values.pop("status", DRAFT)
    if requested in (PUBLISHED, SCHEDULED) and values.get("published_at") is None:
        values["published_at"] = utcnow()
    article = Article(**_article_values(values), source=ADMIN)
    article.status = status_for(requested, article.published_at)
    set_tags(article, tags)
    db.session.add(article)
    return article


@use_case
def update_article(article_id: int, values: Mapping[str, Any]) -> Article:
    """Edit; `published_at` only changes when it is given."""
    article = get_article(article_id)
    values = dict(values)
    if "slug" in values:
        _slug_free(Article, values["slug"], article.id)
    if "tags" in values:
        set_tags(article, values.pop("tags"))
    requested = values.pop("status", None)
    for key, value in _article_values(values).items():
        setattr(article, key, value)
    if requested is not None:
        if requested in (PUBLISHED, SCHEDULED) and article.published_at is None:
            article.published_at = utcnow()
        article.status = status_for(requested, article.published_at)
    elif article.status in (PUBLISHED, SCHEDULED):
        article.status = status_for(article.status, article.published_at)
    return article


@use_case
def publish_article(article_id: int, at: datetime | None) -> Article:
    """Publish now, or schedule for `at`; a republish keeps the first `published_at`."""
    article = get_article(article_id)
    if at is not None:
        article.published_at = at
    elif article.published_at is None:
        article.published_at = utcnow()
    article.status = status_for(PUBLISHED, article.published_at)
    return article


@use_case
def archive_article(article_id: int) -> Article:
    """Off the mini-program; never erased (reading points refer to it)."""
    article = get_article(article_id)
    article.status = ARCHIVED
    return article


# ---- alerts -----------------------------------------------------------------------------


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


def admin_alerts(kind: str | None, page: int, per_page: int) -> Page:
    """Every alert, expired and archived ones included, newest first."""
    query = select(Alert)
    if kind:
        query = query.where(Alert.kind == kind)
    return paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)


def get_alert(alert_id: int) -> Alert:
    return get_or_404(Alert, alert_id, "预警不存在")


@use_case
def create_alert(values: Mapping[str, Any]) -> Alert:
    """A warning or a week of trend figures (a later `published_at` schedules it)."""
    _slug_free(Alert, values["slug"])
    alert = Alert(**_alert_values(values), source=ADMIN)
    alert.status = status_for(PUBLISHED, alert.published_at)
    db.session.add(alert)
    return alert


@use_case
def replace_alert(alert_id: int, values: Mapping[str, Any]) -> Alert:
    """Alerts are small: an edit sends the whole alert, validated as on creation."""
    alert = get_alert(alert_id)
    _slug_free(Alert, values["slug"], alert.id)
    for key, value in _alert_values(values).items():
        setattr(alert, key, value)
    if alert.status != ARCHIVED:
        alert.status = status_for(PUBLISHED, alert.published_at)
    return alert


@use_case
def archive_alert(alert_id: int) -> None:
    get_alert(alert_id).status = ARCHIVED
