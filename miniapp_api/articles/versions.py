"""The version of what every reader sees alike (fraud types, articles and their tags,
alerts and their zones), for the public reads' shared answers (`response_cache`): a
counter bumped by every write to those tables, with the next publication time or expiry
already scheduled, which changes what readers see without any write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from miniapp_api import versions
from miniapp_api.articles.models import Alert, AlertZone, Article, ArticleTag
from miniapp_api.categories.models import Category
from miniapp_api.timeutil import utcnow

CONTENT = "content"
# A reader counted on an article (`read_count`, a Core UPDATE) is not an edit: no bump.
versions.watch(CONTENT, Category, Article, ArticleTag, Alert, AlertZone)


def content_version(connection: Connection) -> tuple[int, datetime | None]:
    """(version, next scheduled change), in one statement."""
    now = utcnow()
    upcoming = (
        select(func.min(Article.published_at)).where(Article.published_at > now),
        select(func.min(Alert.published_at)).where(Alert.published_at > now),
        select(func.min(Alert.expires_at)).where(Alert.expires_at > now),
    )
    row = connection.execute(
        select(versions.counter(CONTENT), *(query.scalar_subquery() for query in upcoming))
    ).one()
    return row[0] or 0, min((when for when in row[1:] if when is not None), default=None)
