"""Articles through the admin API (`admin` only: articles are city-wide), validated as
the files are; every write is audited (`article.create/update/publish/archive`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from miniapp_api.articles.editing import announce_if_out, set_tags, status_for
from miniapp_api.articles.models import ADMIN, ARCHIVED, DRAFT, PUBLISHED, SCHEDULED, Article
from miniapp_api.articles.reading import filtered
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.audit.service import audited, changes_since, nothing_changed, record, snapshot
from miniapp_api.categories import service as fraud_types
from miniapp_api.errors import Conflict
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User

# What the audit log keeps of an article: a changed body is only noted, not copied.
ARTICLE_FIELDS = (
    "slug",
    "title",
    "category_id",
    "summary",
    "cover_url",
    "audience",
    "tags",
    "status",
    "published_at",
)


def slug_free(model: Any, slug: str, own_id: int | None = None) -> None:
    """CONFLICT when another article (or alert: `model`) has this slug."""
    taken = db.session.scalar(select(model.id).where(model.slug == slug))
    if taken is not None and taken != own_id:
        raise Conflict("该标识（slug）已被使用", errors={"json": {"slug": ["已被使用"]}})


def record_changes(officer: User, action: str, row: Any, changes: dict, **kwargs: Any) -> None:
    """An audit entry for `row` when anything changed; else an idempotent replay."""
    if not changes:
        nothing_changed()
        return
    object_type = type(row).__name__.lower()
    record(officer, action, object_type, row.id, changes=changes, **kwargs)


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


@audited
def create_article(values: Mapping[str, Any], officer: User) -> Article:
    """A draft, published now, or scheduled (a later `published_at`)."""
    values = dict(values)
    slug_free(Article, values["slug"])
    tags = values.pop("tags", [])
    requested = values.pop("status", DRAFT)
    if requested in (PUBLISHED, SCHEDULED) and values.get("published_at") is None:
        values["published_at"] = utcnow()
    article = Article(**_article_values(values), source=ADMIN)
    article.status = status_for(requested, article.published_at)
    set_tags(article, tags)
    db.session.add(article)
    db.session.flush()
    created = {key: [None, value] for key, value in snapshot(article, ARTICLE_FIELDS).items()}
    record(officer, "article.create", "article", article.id, changes=created)
    announce_if_out("article", article)
    return article


@audited
def update_article(article_id: int, values: Mapping[str, Any], officer: User) -> Article:
    """Edit; `published_at` only changes when it is given."""
    article = get_article(article_id)
    before = snapshot(article, ARTICLE_FIELDS)
    old_body = article.body_markdown
    values = dict(values)
    if "slug" in values:
        slug_free(Article, values["slug"], article.id)
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
    changes = changes_since(before, article)
    if article.body_markdown != old_body:
        changes["body_markdown"] = ["previous", "edited"]
    record_changes(officer, "article.update", article, changes)
    announce_if_out("article", article)
    return article


@audited
def publish_article(article_id: int, at: datetime | None, officer: User) -> Article:
    """Publish now, or schedule for `at`; a republish keeps the first `published_at`."""
    article = get_article(article_id)
    before = snapshot(article, ("status", "published_at"))
    if at is not None:
        article.published_at = at
    elif article.published_at is None:
        article.published_at = utcnow()
    article.status = status_for(PUBLISHED, article.published_at)
    record_changes(officer, "article.publish", article, changes_since(before, article))
    announce_if_out("article", article)
    return article


@audited
def archive_article(article_id: int, officer: User) -> Article:
    """Off the mini-program; never erased (reading points refer to it)."""
    article = get_article(article_id)
    before = snapshot(article, ("status",))
    article.status = ARCHIVED
    record_changes(officer, "article.archive", article, changes_since(before, article))
    return article
