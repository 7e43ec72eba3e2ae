"""The articles domain's reader use cases, re-exported from their modules: reading
(fraud types with their counts, the article list, opening and finishing an article), the
feed and alerts; and the reading history's part of a user's personal data."""

from __future__ import annotations

from sqlalchemy import delete, select

from miniapp_api.articles.alerts import alerts, reader_zones
from miniapp_api.articles.feed import feed
from miniapp_api.articles.models import Article, ArticleRead
from miniapp_api.articles.reading import (
    ReadTooFast,
    categories,
    list_articles,
    mark_read,
    open_article,
)
from miniapp_api.articles.versions import content_version
from miniapp_api.storage import db
from miniapp_api.users.models import User

__all__ = [
    "ReadTooFast",
    "alerts",
    "categories",
    "content_version",
    "export_reads",
    "feed",
    "forget_reads",
    "list_articles",
    "mark_read",
    "open_article",
    "reader_zones",
]


def export_reads(user: User) -> list[dict]:
    """The user's part of `GET /me/export`: what they opened and finished."""
    rows = db.session.execute(
        select(Article.slug, ArticleRead.opened_at, ArticleRead.read_at)
        .join(Article, Article.id == ArticleRead.article_id)
        .where(ArticleRead.user_id == user.id)
        .order_by(ArticleRead.id)
    )
    return [{"article": slug, "opened_at": opened, "read_at": read} for slug, opened, read in rows]


def forget_reads(user: User) -> None:
    """Account deletion: the reading history goes; read counts and points stay."""
    db.session.execute(delete(ArticleRead).where(ArticleRead.user_id == user.id))
