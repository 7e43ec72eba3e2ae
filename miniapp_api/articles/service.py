"""Content use cases. For now: fraud types and loading them from `content/`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from miniapp_api.articles.content_files import CategoryData, load_categories
from miniapp_api.articles.models import Category
from miniapp_api.extensions import db


def existing_category_slugs(slugs: Iterable[str]) -> set[str]:
    wanted = set(slugs)
    if not wanted:
        return set()
    return set(db.session.scalars(select(Category.slug).where(Category.slug.in_(wanted))))


def sync_content(content_dir: Path, *, dry_run: bool = False) -> Counter:
    """Load every content file; all of it is validated before anything is written.

    Returns counts such as `categories_created`. With `dry_run`, nothing is committed.
    """
    categories = load_categories(content_dir / "categories.yaml")
    counts: Counter = Counter()
    _sync_categories(categories, counts)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return counts


def _sync_categories(items: list[CategoryData], counts: Counter) -> None:
    existing = {category.slug: category for category in db.session.scalars(select(Category))}
    for item in items:
        values = {
            "name": item.name,
            "description": item.description,
            "risk_groups": list(item.risk_groups),
            "sort_order": item.sort_order,
        }
        category = existing.get(item.slug)
        if category is None:
            db.session.add(Category(slug=item.slug, **values))
            counts["categories_created"] += 1
        elif any(getattr(category, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(category, key, value)
            counts["categories_updated"] += 1
        else:
            counts["categories_unchanged"] += 1
