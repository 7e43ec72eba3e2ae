"""Looking fraud types up: by slug, in display order, and checking slugs users send."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from miniapp_api.categories.models import Category
from miniapp_api.errors import ValidationFailed
from miniapp_api.storage import db


def in_display_order() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


def existing_slugs(slugs: Iterable[str]) -> set[str]:
    wanted = set(slugs)
    if not wanted:
        return set()
    return set(db.session.scalars(select(Category.slug).where(Category.slug.in_(wanted))))


def by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def id_of(slug: str, field: str = "category") -> int:
    """The id of a known fraud type; an unknown slug is a 422 naming `field`."""
    category_id = db.session.scalar(select(Category.id).where(Category.slug == slug))
    if category_id is None:
        raise ValidationFailed(errors={"json": {field: [f"未知的诈骗类型：{slug}"]}})
    return category_id


def ids_by_slug() -> dict[str, int]:
    return dict(db.session.execute(select(Category.slug, Category.id)).tuples().all())


def names_by_slug() -> dict[str, str]:
    return dict(db.session.execute(select(Category.slug, Category.name)).tuples().all())
