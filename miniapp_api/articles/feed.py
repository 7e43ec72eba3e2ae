"""The personal feed (点单): the reader's fraud types first, unread before read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, Subquery, case, func, literal, select, tuple_
from sqlalchemy.orm import load_only

from miniapp_api.articles.models import Article, ArticleRead, RiskProfile
from miniapp_api.articles.reading import visible
from miniapp_api.categories.models import Category
from miniapp_api.storage import Page, db
from miniapp_api.users.models import User

PROFILE_FIELDS = {"age_groups": "age_group", "occupations": "occupation"}
SUBSCRIBED, RISK_PROFILE, NEWEST = "subscribed", "risk_profile", "newest"
SUMMARY_COLUMNS = (
    Article.slug,
    Article.title,
    Article.summary,
    Article.category_id,
    Article.audience,
    Article.format,
    Article.key_points,
    Article.cover_url,
    Article.published_at,
    Article.read_count,
)


@dataclass(frozen=True)
class FeedItem:
    article: Article
    read: bool  # the reader finished it
    reason: str  # why it is in the feed: SUBSCRIBED, RISK_PROFILE or NEWEST


@dataclass(frozen=True)
class FeedPage(Page):
    interests: list[str]  # the fraud types put first, in order


def feed(user: User, page: int, per_page: int) -> FeedPage:
    """Subscribed (点单) and risk-profile categories first, unread before read, then newest.
    A reader with neither gets the newest article of every category, then the next ones."""
    subscribed = list(user.subscribed_categories or [])
    risky = [slug for slug in _risk_categories(user) if slug not in subscribed]
    interests = subscribed + risky
    ranked = _ranked(user.id)
    query = _of_interest(ranked, subscribed, interests) if interests else _newest_first(ranked)
    items, total = _page(query, page, per_page)
    return FeedPage(items, page, per_page, total, interests)


def _page(query: Select, page: int, per_page: int) -> tuple[list[FeedItem], int]:
    """One page and the total in one statement (the count is a window over a few
    hundred articles at most); a page past the end counts apart."""
    total = func.count().over().label("total")
    rows = db.session.execute(
        query.add_columns(total).offset((page - 1) * per_page).limit(per_page)
    ).all()
    if rows:
        count = rows[0].total
    else:
        count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return [FeedItem(article, bool(done), why) for article, done, why, _ in rows], count


def _risk_categories(user: User) -> list[str]:
    """The fraud types the reader's profile answers (age group, occupation) are most at
    risk of, most important first (one query for both answers)."""
    answers = {
        (dimension, getattr(user, field))
        for dimension, field in PROFILE_FIELDS.items()
        if getattr(user, field)
    }
    if not answers:
        return []
    profiles = {
        (profile.dimension, profile.value): profile.category_slugs
        for profile in db.session.scalars(
            select(RiskProfile).where(tuple_(RiskProfile.dimension, RiskProfile.value).in_(answers))
        )
    }
    slugs: list[str] = []
    for dimension, field in PROFILE_FIELDS.items():
        slugs += profiles.get((dimension, getattr(user, field)), [])
    return list(dict.fromkeys(slugs))


def _ranked(user_id: int) -> Subquery:
    """Every visible article with what the feed orders by: its fraud type, whether this
    reader finished it, and its rank among its fraud type's articles (1: the newest)."""
    finished = (
        select(ArticleRead.article_id)
        .where(ArticleRead.user_id == user_id, ArticleRead.read_at.is_not(None))
        .scalar_subquery()
    )
    newest_in_category = func.row_number().over(
        partition_by=Article.category_id, order_by=Article.published_at.desc()
    )
    return (
        select(
            Article.id,
            Category.slug,
            Category.sort_order,
            case((Article.id.in_(finished), 1), else_=0).label("is_read"),
            newest_in_category.label("newest_rank"),
            Article.published_at,
        )
        .join(Category, Category.id == Article.category_id)
        .where(visible())
        .subquery()
    )


def _articles(ranked: Subquery) -> Select:
    """The summaries' columns only: the bodies stay in the database."""
    return (
        select(Article, ranked.c.is_read)
        .join(ranked, ranked.c.id == Article.id)
        .options(load_only(*SUMMARY_COLUMNS))
    )


def _of_interest(ranked: Subquery, subscribed: list[str], interests: list[str]) -> Select:
    """Only the reader's fraud types: unread first, then newest."""
    reason = case((ranked.c.slug.in_(subscribed or [""]), SUBSCRIBED), else_=RISK_PROFILE)
    return (
        _articles(ranked)
        .add_columns(reason)
        .where(ranked.c.slug.in_(interests))
        .order_by(ranked.c.is_read, ranked.c.published_at.desc(), ranked.c.id.desc())
    )


def _newest_first(ranked: Subquery) -> Select:
    """Every fraud type, round by round (in display order): each one's newest unread
    article, then each one's next; the articles already read after all of them."""
    return (
        _articles(ranked)
        .add_columns(literal(NEWEST))
        .order_by(ranked.c.is_read, ranked.c.newest_rank, ranked.c.sort_order, ranked.c.id)
    )
