"""Articles, who read what, alerts, and the risk profiles the feed reads (the fraud types
themselves are `categories.models.Category`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.articles.fields import ARTICLE_FORMATS
from miniapp_api.categories.models import Category
from miniapp_api.storage import TimestampMixin, db, in_list
from miniapp_api.timeutil import utcnow

DRAFT, SCHEDULED, PUBLISHED, ARCHIVED = "draft", "scheduled", "published", "archived"
ARTICLE_STATUSES = (DRAFT, SCHEDULED, PUBLISHED, ARCHIVED)
# Where an article or alert came from: a file under content/ (sync owns it) or the admin API.
FILE, ADMIN = "file", "admin"
SOURCES = (FILE, ADMIN)
WARNING, TREND = "warning", "trend"
ALERT_KINDS = (WARNING, TREND)
ALERT_LEVELS = ("high", "medium", "low")


def effective_status(status: str, published_at: datetime | None) -> str:
    """`scheduled` reads as `published` once its time has come."""
    if status == SCHEDULED and published_at is not None and published_at <= utcnow():
        return PUBLISHED
    return status


class Article(TimestampMixin, db.Model):
    """Visible to readers when published (or scheduled) and `published_at` has passed."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(in_list("status", ARTICLE_STATUSES), name="status_known"),
        CheckConstraint(in_list("source", SOURCES), name="source_known"),
        CheckConstraint(in_list("format", ARTICLE_FORMATS), name="format_known"),
        Index("ix_articles_status_published_at", "status", "published_at"),
        Index("ix_articles_category_id_published_at", "category_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    summary: Mapped[str] = mapped_column(String(200))
    cover_url: Mapped[str | None] = mapped_column(String(512))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(16), default="guide")
    # 1-3 short sentences: the summary card, and what elderly readers take away.
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    published_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(8), default=ADMIN)
    # Distinct readers who finished it (POST /articles/{id}/read).
    read_count: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category] = relationship(lazy="joined")
    tag_rows: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ArticleTag.position"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def state(self) -> str:
        return effective_status(self.status, self.published_at)


class ArticleTag(db.Model):
    """A row per tag, so that filtering by tag is an index lookup on every database."""

    __tablename__ = "article_tags"
    __table_args__ = (Index("ix_article_tags_tag", "tag"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(24), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class ArticleRead(db.Model):
    """When a reader opened an article, and when they finished it (points once)."""

    __tablename__ = "article_reads"
    __table_args__ = (UniqueConstraint("user_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Alert(TimestampMixin, db.Model):
    """A current warning, or one week of trend figures (raw counts in `figures`)."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(in_list("kind", ALERT_KINDS), name="kind_known"),
        CheckConstraint(in_list("status", ARTICLE_STATUSES), name="status_known"),
        CheckConstraint(in_list("source", SOURCES), name="source_known"),
        Index("ix_alerts_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    # Trends: {"period": {"start", "end"}, "source", "districts": [...], "categories": [...]}
    figures: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    published_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(8), default=ADMIN)

    category: Mapped[Category | None] = relationship(lazy="joined")
    # A local warning's zones (a station's); none: city-wide.
    zone_rows: Mapped[list[AlertZone]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AlertZone.zone_id"
    )

    @property
    def state(self) -> str:
        return effective_status(self.status, self.published_at)

    @property
    def zone_ids(self) -> list[int]:
        return [row.zone_id for row in self.zone_rows]


class AlertZone(db.Model):
    """A zone a local warning is published for (a row per zone, so that readers' lookups
    are an index scan on every database)."""

    __tablename__ = "alert_zones"
    __table_args__ = (Index("ix_alert_zones_zone_id", "zone_id"),)

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="RESTRICT"), primary_key=True
    )


class RiskProfile(db.Model):
    """content/risk_profiles.yaml: a profile answer -> fraud types, most important first."""

    __tablename__ = "risk_profiles"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)  # age_group, occupation
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    category_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
