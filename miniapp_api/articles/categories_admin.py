"""Fraud types (诈骗类型) through the admin API (`admin` only): listed with their article
counts, created with the rules of `content/categories.yaml`, edited (never the slug, which
articles, questions, subscriptions and risk profiles refer to). Audited.

`flask content sync` writes the fraud types of `content/categories.yaml` too: for a slug
in that file, the file wins on the next sync (as for articles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.articles.models import Article
from miniapp_api.articles.reading import visible
from miniapp_api.audit.service import audited, changes_since, nothing_changed, record, snapshot
from miniapp_api.categories.models import Category
from miniapp_api.errors import Conflict
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.users.models import User

NOT_FOUND = "诈骗类型不存在"
CATEGORY_FIELDS = ("slug", "name", "description", "risk_groups", "sort_order")


class SlugTaken(Conflict):
    message = "该标识（slug）已被使用"

    def __init__(self):
        super().__init__(errors={"json": {"slug": ["已被使用"]}})


@dataclass(frozen=True)
class AdminCategory:
    """A fraud type with its published articles and its articles in any state."""

    category: Category
    article_count: int
    articles_total: int


def _with_counts(categories: list[Category]) -> list[AdminCategory]:
    ids = [category.id for category in categories]
    if not ids:
        return []
    by_category = select(Article.category_id, func.count()).where(Article.category_id.in_(ids))
    total = dict(db.session.execute(by_category.group_by(Article.category_id)).tuples().all())
    shown_query = by_category.where(visible()).group_by(Article.category_id)
    shown = dict(db.session.execute(shown_query).tuples().all())
    return [AdminCategory(c, shown.get(c.id, 0), total.get(c.id, 0)) for c in categories]


def admin_categories(page: int, per_page: int) -> Page:
    """Every fraud type in display order, with its article counts."""
    query = select(Category).order_by(Category.sort_order, Category.id)
    found = paginate(query, page, per_page)
    return Page(_with_counts(found.items), found.page, found.per_page, found.total)


def get_category(category_id: int) -> AdminCategory:
    return _with_counts([get_or_404(Category, category_id, NOT_FOUND)])[0]


def create_category(values: Mapping[str, Any], officer: User) -> AdminCategory:
    """A new fraud type; a taken slug is a 409 (also when a parallel request took it)."""
    try:
        category = _create(values, officer)
    except IntegrityError:
        raise SlugTaken() from None
    return get_category(category.id)


@audited
def _create(values: Mapping[str, Any], officer: User) -> Category:
    if db.session.scalar(select(Category.id).where(Category.slug == values["slug"])):
        raise SlugTaken()
    category = Category(**values)
    db.session.add(category)
    db.session.flush()
    created = {field: [None, value] for field, value in snapshot(category, CATEGORY_FIELDS).items()}
    record(officer, "category.create", "category", category.id, changes=created)
    return category


@audited
def _update(category_id: int, values: Mapping[str, Any], officer: User) -> None:
    category = get_or_404(Category, category_id, NOT_FOUND)
    before = snapshot(category, CATEGORY_FIELDS)
    for key, value in values.items():
        setattr(category, key, value)
    changes = changes_since(before, category)
    if not changes:
        nothing_changed()
        return
    record(officer, "category.update", "category", category.id, changes=changes)


def update_category(category_id: int, values: Mapping[str, Any], officer: User) -> AdminCategory:
    """Change the name, description, risk groups or display order (not the slug)."""
    _update(category_id, values, officer)
    return get_category(category_id)
