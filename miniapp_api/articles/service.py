"""Wiring of the content domain into accounts: the reading history in exports and deletion."""

from __future__ import annotations

from sqlalchemy import delete, select

from miniapp_api.articles.models import (
    Article,
    ArticleRead,
)
from miniapp_api.extensions import db
from miniapp_api.users import service as users
from miniapp_api.users.models import User


def init_app(_app) -> None:
    users.register_export_section("article_reads", export_reads)
    users.register_deletion_hook(forget_reads)


def export_reads(user: User) -> list[dict]:
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
