"""Small queries other domains need without importing the content service."""

from collections.abc import Iterable

from sqlalchemy import select

from miniapp_api.articles.models import Category
from miniapp_api.extensions import db


def existing_category_slugs(slugs: Iterable[str]) -> set[str]:
    wanted = set(slugs)
    if not wanted:
        return set()
    return set(db.session.scalars(select(Category.slug).where(Category.slug.in_(wanted))))
