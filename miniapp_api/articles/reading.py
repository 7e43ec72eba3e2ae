"""Reading: fraud types, the article list and search, opening and finishing an article
(reading points), and the personal feed."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, or_, select, update

from miniapp_api.articles.models import (
    PUBLISHED,
    SCHEDULED,
    Article,
    ArticleRead,
    ArticleTag,
    RiskProfile,
)
from miniapp_api.categories.models import Category
from miniapp_api.common_fields import Merged
from miniapp_api.errors import AppError, NotFound, ValidationFailed
from miniapp_api.points import service as points
from miniapp_api.storage import db, insert, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User

PROFILE_FIELDS = {"age_groups": "age_group", "occupations": "occupation"}

# An id (ASCII digits, within a 32-bit integer) rather than a slug.
DIGITS = re.compile(r"[0-9]{1,9}")


class ReadTooFast(AppError):
    status_code, error_code = 409, "READ_TOO_FAST"
    message = "请先认真读完文章，再领取阅读积分"


def visible():
    """Readers see published articles, and scheduled ones once their time has come."""
    return and_(Article.status.in_((PUBLISHED, SCHEDULED)), Article.published_at <= utcnow())


def categories() -> list[dict]:
    counts = dict(
        db.session.execute(
            select(Article.category_id, func.count()).where(visible()).group_by(Article.category_id)
        ).all()
    )
    rows = db.session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "description": c.description,
            "risk_groups": c.risk_groups,
            "article_count": counts.get(c.id, 0),
        }
        for c in rows
    ]


def category_id_of(slug: str) -> int:
    category_id = db.session.scalar(select(Category.id).where(Category.slug == slug))
    if category_id is None:
        raise ValidationFailed(errors={"json": {"category": [f"未知的诈骗类型：{slug}"]}})
    return category_id


def _search(query, text: str):
    pattern = f"%{text.strip()}%"
    tagged = exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag.ilike(pattern))
    return query.where(or_(Article.title.ilike(pattern), Article.summary.ilike(pattern), tagged))


def filtered(query, category: str | None, tag: str | None, text: str | None):
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
) -> dict:
    query = filtered(select(Article).where(visible()), category, tag, text)
    return paginate(query.order_by(Article.published_at.desc(), Article.id.desc()), page, per_page)


def _find_visible(id_or_slug: str) -> Article:
    condition = (
        Article.id == int(id_or_slug)
        if DIGITS.fullmatch(id_or_slug)
        else Article.slug == id_or_slug
    )
    article = db.session.scalar(select(Article).where(condition, visible()))
    if article is None:
        raise NotFound("文章不存在或已下线")
    return article


def open_article(id_or_slug: str, user: User | None) -> Merged:
    """One article; a logged-in reader's first opening is recorded (the reading clock)."""
    article = _find_visible(id_or_slug)
    read = None
    if user is not None:
        read = _record_open(user.id, article.id)
    return Merged(
        article,
        read=read is not None and read.read_at is not None,
        min_read_seconds=current_app.config["ARTICLE_MIN_READ_SECONDS"],
    )


def _reading(user_id: int, article_id: int) -> ArticleRead | None:
    return db.session.scalar(
        select(ArticleRead).where(
            ArticleRead.user_id == user_id, ArticleRead.article_id == article_id
        )
    )


@use_case
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


@use_case
def mark_read(user: User, article_id: int) -> dict:
    """Finish reading: reading points once per article, after the minimum time; commits."""
    article = _find_visible(str(article_id))
    read = _reading(user.id, article.id)
    minimum = timedelta(seconds=current_app.config["ARTICLE_MIN_READ_SECONDS"])
    now = utcnow()
    if read is None:
        raise ReadTooFast("请先打开文章阅读")
    if read.read_at is None and now - read.opened_at < minimum:
        left = int((minimum - (now - read.opened_at)).total_seconds()) + 1
        raise ReadTooFast(f"请再认真阅读 {left} 秒，然后领取阅读积分")
    first = (
        db.session.execute(
            update(ArticleRead)
            .where(ArticleRead.id == read.id, ArticleRead.read_at.is_(None))
            .values(read_at=now)
        ).rowcount
        == 1
    )
    awarded = capped = 0
    if first:  # the user's row lock (in award) before the article's, as everywhere
        result = points.award(user, "article_read", f"article:{article.id}")
        awarded, capped = result.awarded, result.capped
        db.session.execute(
            update(Article)
            .where(Article.id == article.id)
            .values(read_count=Article.read_count + 1)
            .execution_options(synchronize_session=False)
        )
    return {
        "article_id": article.id,
        "first_read": first,
        "points_awarded": awarded,
        "capped": bool(capped),
        "balance": user.points_balance,
    }


def _risk_categories(user: User) -> list[str]:
    slugs: list[str] = []
    for dimension, field in PROFILE_FIELDS.items():
        answer = getattr(user, field)
        if answer:
            profile = db.session.get(RiskProfile, (dimension, answer))
            slugs += profile.category_slugs if profile else []
    return list(dict.fromkeys(slugs))


def feed(user: User, page: int, per_page: int) -> dict:
    """Subscribed (点单) and risk-profile categories first, unread before read, then newest.
    A reader with neither gets the newest article of every category, then the next ones."""
    subscribed = list(user.subscribed_categories or [])
    risky = [slug for slug in _risk_categories(user) if slug not in subscribed]
    read = (
        select(ArticleRead.article_id)
        .where(ArticleRead.user_id == user.id, ArticleRead.read_at.is_not(None))
        .scalar_subquery()
    )
    is_read = case((Article.id.in_(read), 1), else_=0)
    newest_in_category = (
        func.row_number()
        .over(partition_by=Article.category_id, order_by=Article.published_at.desc())
        .label("newest_rank")
    )
    ranked = (
        select(
            Article.id,
            Category.slug,
            Category.sort_order,
            is_read.label("is_read"),
            newest_in_category,
            Article.published_at,
        )
        .join(Category, Category.id == Article.category_id)
        .where(visible())
        .subquery()
    )
    interests = subscribed + risky
    query = select(Article, ranked.c.is_read, ranked.c.slug).join(ranked, ranked.c.id == Article.id)
    if interests:
        reason = case((ranked.c.slug.in_(subscribed or [""]), "subscribed"), else_="risk_profile")
        query = (
            query.add_columns(reason)
            .where(ranked.c.slug.in_(interests))
            .order_by(ranked.c.is_read, ranked.c.published_at.desc(), ranked.c.id.desc())
        )
    else:
        query = query.add_columns(literal("newest")).order_by(
            ranked.c.is_read, ranked.c.newest_rank, ranked.c.sort_order, ranked.c.id
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [
            {"article": article, "read": bool(done), "reason": why}
            for article, done, _slug, why in rows
        ],
        "page": page,
        "per_page": per_page,
        "total": total,
        "interests": interests,
    }
