"""Factories of the articles domain: fraud types, articles and alerts."""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.articles.models import (
    ADMIN,
    PUBLISHED,
    WARNING,
    Alert,
    AlertZone,
    Article,
    ArticleTag,
)
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.categories.models import Category
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow

__all__ = ["AlertFactory", "ArticleFactory", "CategoryFactory"]

BODY = "这是一篇用于测试的反诈文章正文，提醒大家：陌生来电要求转账，一律先挂断再核实。" * 2


class CategoryFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Category
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    slug = factory.Sequence(lambda n: f"fraud-type-{n}")
    name = factory.Sequence(lambda n: f"诈骗类型{n}")
    description = "一种用于测试的诈骗类型：骗子先取得信任，再以各种理由要求转账。"
    risk_groups = factory.LazyFunction(lambda: ["elderly"])
    sort_order = factory.Sequence(int)


class ArticleFactory(SQLAlchemyModelFactory):
    """A published article (out since yesterday) with one tag; `tags=[...]` for others."""

    class Meta:
        model = Article
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    class Params:
        tags = ("测试",)

    slug = factory.Sequence(lambda n: f"test-article-{n}")
    title = factory.Sequence(lambda n: f"测试文章{n}")
    category = factory.SubFactory(CategoryFactory)
    summary = "一篇用于测试的文章摘要。"
    body_markdown = BODY
    body_html = factory.LazyAttribute(lambda article: render_markdown(article.body_markdown))
    audience = factory.LazyFunction(lambda: ["general"])
    status = PUBLISHED
    published_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    source = ADMIN
    tag_rows = factory.LazyAttribute(
        lambda article: [ArticleTag(tag=tag, position=i) for i, tag in enumerate(article.tags)]
    )


class AlertFactory(SQLAlchemyModelFactory):
    """A current high-level city-wide warning (out since an hour ago, no expiry);
    `zone_ids=[...]` makes it a local warning of those zones."""

    class Meta:
        model = Alert
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    class Params:
        zone_ids = ()

    slug = factory.Sequence(lambda n: f"test-warning-{n}")
    kind = WARNING
    level = "high"
    title = factory.Sequence(lambda n: f"测试预警{n}")
    summary = "近期冒充客服退款的诈骗高发，请提高警惕。"
    body_markdown = "接到自称客服的退款电话，请挂断后通过官方渠道核实。"
    body_html = factory.LazyAttribute(lambda alert: render_markdown(alert.body_markdown))
    category = None
    figures = None
    status = PUBLISHED
    published_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    expires_at = None
    source = ADMIN
    zone_rows = factory.LazyAttribute(
        lambda alert: [AlertZone(zone_id=zone_id) for zone_id in alert.zone_ids]
    )
