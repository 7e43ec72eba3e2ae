"""Reading: fraud types with their article counts, the article list and search, opening
an article (the reading clock) and finishing it (reading points)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, and_, exists, func, or_, select, update

from miniapp_api.articles.footer import with_footer
from miniapp_api.articles.models import (
    PUBLISHED,
    SCHEDULED,
    Article,
    ArticleRead,
    ArticleTag,
)
from miniapp_api.categories import service as fraud_types
from miniapp_api.categories.models import Category
from miniapp_api.errors import AppError, NotFound
from miniapp_api.points import service as points
from miniapp_api.storage import Page, db, get_or_404, insert, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User

NOT_FOUND = "文章不存在或已下线"
# An id (ASCII digits, within a 32-bit integer) rather than a slug.
DIGITS = re.compile(r"[0-9]{1,9}")


class ReadTooFast(AppError):
    status_code, error_code = 409, "READ_TOO_FAST"
    message = "请先认真读完文章，再领取阅读积分"


def visible():
    """Readers see published articles, and scheduled ones once their time has come."""
    return and_(Article.status.in_((PUBLISHED, SCHEDULED)), Article.published_at <= utcnow())


def is_visible(article: Article) -> bool:
    """`visible()` for one loaded article."""
    return (
        article.status in (PUBLISHED, SCHEDULED)
        and article.published_at is not None
        and article.published_at <= utcnow()
    )


@dataclass(frozen=True)
class CategoryCount:
    """A fraud type with its number of visible articles."""

    category: Category
    article_count: int


def categories() -> list[CategoryCount]:
    """Every fraud type in display order, each with its number of visible articles."""
    counts = dict(
        db.session.execute(
            select(Article.category_id, func.count()).where(visible()).group_by(Article.category_id)
        ).all()
    )
    return [CategoryCount(c, counts.get(c.id, 0)) for c in fraud_types.in_display_order()]


def _search(query: Select, text: str) -> Select:
    """Title, summary or a tag containing the text (`%` and `_` match only themselves)."""
    text = text.strip()
    tagged = exists().where(
        ArticleTag.article_id == Article.id, ArticleTag.tag.icontains(text, autoescape=True)
    )
    return query.where(
        or_(
            Article.title.icontains(text, autoescape=True),
            Article.summary.icontains(text, autoescape=True),
            tagged,
        )
    )


def filtered(query: Select, category: str | None, tag: str | None, text: str | None) -> Select:
    """`query` of articles narrowed to a fraud type, a tag and a search text (each if given)."""
    if category:
        query = query.join(Category, Category.id == Article.category_id).where(
            Category.slug == category
        )
    if tag:
        query = query.where(
            exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag == tag)
        )
    if text and text.strip():
        query = _search(query, text)
    return query


def list_articles(
    category: str | None, tag: str | None, text: str | None, page: int, per_page: int
) -> Page:
    """Visible articles, newest first; `text` searches title, summary and tags."""
    query = filtered(select(Article).where(visible()), category, tag, text)
    return paginate(query.order_by(Article.published_at.desc(), Article.id.desc()), page, per_page)


def find_visible(id_or_slug: str) -> Article:
    """The visible article with this id (digits) or slug, or NOT_FOUND."""
    if DIGITS.fullmatch(id_or_slug):
        ident = int(id_or_slug)
    else:
        ident = db.session.scalar(select(Article.id).where(Article.slug == id_or_slug))
        if ident is None:
            raise NotFound(NOT_FOUND)
    return get_or_404(Article, ident, NOT_FOUND, visible=is_visible)


def min_read_time() -> timedelta:
    return timedelta(seconds=current_app.config["ARTICLE_MIN_READ_SECONDS"])


@dataclass(frozen=True)
class OpenedArticle:
    """An article as its reader sees it: whether they finished it, and how long the
    reading must last before it pays."""

    article: Article
    read: bool
    min_read_seconds: int
    body_html: str  # the article's, with the standard footer appended


@use_case
def open_article(id_or_slug: str, user: User | None) -> OpenedArticle:
    """One visible article; a signed-in reader's first opening starts the reading clock."""
    article = find_visible(id_or_slug)
    read = _record_open(user.id, article.id) if user is not None else None
    return OpenedArticle(
        article,
        read=read is not None and read.read_at is not None,
        min_read_seconds=int(min_read_time().total_seconds()),
        body_html=with_footer(article.body_html),
    )


def _reading(user_id: int, article_id: int) -> ArticleRead | None:
    return db.session.scalar(
        select(ArticleRead).where(
            ArticleRead.user_id == user_id, ArticleRead.article_id == article_id
        )
    )


def _record_open(user_id: int, article_id: int) -> ArticleRead:
    """The reader's first opening starts the reading clock; opening twice at once
    records one (the insert does nothing when the row exists)."""
    read = _reading(user_id, article_id)
    if read is not None:
        return read
    db.session.execute(
        insert(ArticleRead)
        .values(user_id=user_id, article_id=article_id, opened_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "article_id"])
    )
    return _reading(user_id, article_id)


@dataclass(frozen=True)
class ReadResult:
    article_id: int
    first_read: bool
    points_awarded: int
    capped: bool  # the daily cap cut the award
    balance: int


@use_case
def mark_read(user: User, article_id: int) -> ReadResult:
    """Finish reading: reading points once per article, after the minimum time."""
    article = get_or_404(Article, article_id, NOT_FOUND, visible=is_visible)
    read = _reading(user.id, article.id)
    _check_reading_time(read)
    first = _finish(read)
    awarded, capped = 0, False
    if first:  # the user's row lock (in award) before the article's, as everywhere
        result = points.award(user, "article_read", f"article:{article.id}")
        awarded, capped = result.awarded, bool(result.capped)
        _count_reader(article.id)
    return ReadResult(article.id, first, awarded, capped, user.points_balance)


def _check_reading_time(read: ArticleRead | None) -> None:
    """READ_TOO_FAST unless the article was opened at least the minimum time ago (or
    already finished)."""
    if read is None:
        raise ReadTooFast("请先打开文章阅读")
    spent = utcnow() - read.opened_at
    if read.read_at is None and spent < min_read_time():
        left = int((min_read_time() - spent).total_seconds()) + 1
        raise ReadTooFast(f"请再认真阅读 {left} 秒，然后领取阅读积分")


def _finish(read: ArticleRead) -> bool:
    """Set `read_at` once; True for the request that set it (of any number at once)."""
    finished = db.session.execute(
        update(ArticleRead)
        .where(ArticleRead.id == read.id, ArticleRead.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return finished.rowcount == 1


def _count_reader(article_id: int) -> None:
    db.session.execute(
        update(Article)
        .where(Article.id == article_id)
        # A reader counted is not an edit: updated_at (the public content's version) stays.
        .values(read_count=Article.read_count + 1, updated_at=Article.updated_at)
        .execution_options(synchronize_session=False)
    )
