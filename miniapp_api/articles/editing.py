"""What every writer of articles and alerts shares, the admin API and the content sync
alike: the status a publication time gives, and an article's tag rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from miniapp_api import signals
from miniapp_api.articles.models import PUBLISHED, SCHEDULED, Article, ArticleTag
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


def status_for(requested: str, published_at: datetime | None) -> str:
    """`published` and `scheduled` both mean "out at `published_at`": scheduled while
    that time is still ahead. Other statuses stay as asked."""
    if requested in (PUBLISHED, SCHEDULED):
        return SCHEDULED if published_at and published_at > utcnow() else PUBLISHED
    return requested


def set_tags(article: Article, tags: Iterable[str]) -> None:
    """Replace the tags (duplicates dropped, order kept); unchanged tags write nothing."""
    wanted = list(dict.fromkeys(tags))
    if wanted == article.tags:
        return
    article.tag_rows.clear()
    article.updated_at = utcnow()  # an edit of the article, though its row is unchanged
    # The old rows go first: a tag kept at a new position has the same primary key.
    db.session.flush()
    article.tag_rows.extend(ArticleTag(tag=tag, position=i) for i, tag in enumerate(wanted))


def announce_if_out(kind: str, row: Any) -> None:
    """Tell the other domains a warning or an article is out now (push sends each
    content once; a scheduled one is announced by push's periodic check when due)."""
    if row.status == PUBLISHED:
        signals.announce(signals.content_published, kind=kind, content_id=row.id)
