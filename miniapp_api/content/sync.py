"""`flask content sync`: every file under content/ validated first, then loaded by slug
in one unit of work (all of it, or nothing)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from miniapp_api.articles.editing import set_tags, status_for
from miniapp_api.articles.fields import alert_figures
from miniapp_api.articles.models import ARCHIVED, FILE, PUBLISHED, Alert, Article, RiskProfile
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.categories import service as fraud_types
from miniapp_api.categories.models import Category
from miniapp_api.content.files import (
    AlertData,
    ArticleData,
    CategoryData,
    ContentError,
    load_alert,
    load_article,
    load_categories,
    load_risk_profiles,
)
from miniapp_api.content.questions import QuestionData, load_question_bank, sync_questions
from miniapp_api.storage import db, unit_of_work
from miniapp_api.users.models import AGE_GROUPS, OCCUPATIONS

__all__ = ["ContentError", "content_files", "sync_content"]

PROFILE_DIMENSIONS = {"age_groups": AGE_GROUPS, "occupations": OCCUPATIONS}


def content_files(content_dir: Path) -> list[Path]:
    """Every file the sync reads, in the order it reads them."""
    files = [content_dir / "categories.yaml", content_dir / "risk_profiles.yaml"]
    files += sorted((content_dir / "articles").glob("*.md"))
    files += sorted((content_dir / "alerts").glob("*.yaml"))
    files += sorted((content_dir / "quizzes").glob("*.yaml"))
    return files


@dataclass(frozen=True)
class Corpus:
    categories: list[CategoryData]
    profiles: dict[str, dict[str, list[str]]]
    articles: list[ArticleData]
    alerts: list[AlertData]
    questions: list[QuestionData]


def read_corpus(content_dir: Path, step: Callable[[int], None]) -> Corpus:
    """Read and validate every file; a ContentError names the first bad one."""
    categories = load_categories(content_dir / "categories.yaml")
    slugs = {item.slug for item in categories}
    profiles = load_risk_profiles(content_dir / "risk_profiles.yaml", slugs, PROFILE_DIMENSIONS)
    step(2)
    articles = []
    for path in sorted((content_dir / "articles").glob("*.md")):
        articles.append(load_article(path, slugs))
        step(1)
    alerts = []
    for path in sorted((content_dir / "alerts").glob("*.yaml")):
        alerts.append(load_alert(path, slugs))
        step(1)
    article_slugs = {item.slug for item in articles} | set(db.session.scalars(select(Article.slug)))
    quiz_dir = content_dir / "quizzes"
    questions = load_question_bank(quiz_dir, slugs, article_slugs=article_slugs)
    step(len(list(quiz_dir.glob("*.yaml"))))
    _unique(articles, "articles")
    _unique(alerts, "alerts")
    return Corpus(categories, profiles, articles, alerts, questions)


class _DryRun(Exception):
    """Raised at the end of a dry run so that its unit of work rolls back."""

    def __init__(self, counts: Counter):
        super().__init__("dry run")
        self.counts = counts


def sync_content(
    content_dir: Path, *, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> Counter:
    """Load every content file; all of it is validated before anything is written.

    Creates or updates by slug, never duplicates, archives file-sourced articles and
    alerts whose file is gone. Returns counts such as `articles_created`. With
    `dry_run`, nothing is committed. `progress(n)` is told each time n files are read.
    """
    corpus = read_corpus(content_dir, progress or (lambda _n: None))
    try:
        with unit_of_work():
            counts: Counter = Counter()
            sync_categories(corpus.categories, counts)
            db.session.flush()
            sync_profiles(corpus.profiles, counts)
            _sync_articles(corpus.articles, counts)
            _sync_alerts(corpus.alerts, counts)
            sync_questions(corpus.questions, counts)
            if dry_run:
                raise _DryRun(counts)
    except _DryRun as finished:
        return finished.counts
    return counts


def _unique(items, kind: str) -> None:
    seen: dict[str, str] = {}
    for item in items:
        slug = item.slug if hasattr(item, "slug") else item.values["slug"]
        if slug in seen:
            raise ContentError(item.path, "slug", f"duplicate of {seen[slug]}")
        seen[slug] = item.path


def sync_categories(items: list[CategoryData], counts: Counter) -> None:
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
        elif _apply(category, values):
            counts["categories_updated"] += 1
        else:
            counts["categories_unchanged"] += 1


def _apply(row, values: Mapping[str, Any]) -> bool:
    """Set the values that differ; True when anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def sync_profiles(profiles: dict[str, dict[str, list[str]]], counts: Counter) -> None:
    existing = {(p.dimension, p.value): p for p in db.session.scalars(select(RiskProfile))}
    wanted = {(d, v): slugs for d, mapping in profiles.items() for v, slugs in mapping.items()}
    for key, slugs in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            db.session.add(RiskProfile(dimension=key[0], value=key[1], category_slugs=slugs))
        elif row.category_slugs != slugs:
            row.category_slugs = slugs
        else:
            continue
        counts["risk_profiles_changed"] += 1
    for row in existing.values():
        db.session.delete(row)
        counts["risk_profiles_changed"] += 1


def _sync_articles(items: list[ArticleData], counts: Counter) -> None:
    existing = {article.slug: article for article in db.session.scalars(select(Article))}
    category_ids = fraud_types.ids_by_slug()
    for item in items:
        article = existing.pop(item.slug, None)
        if article is not None and article.source != FILE:
            raise ContentError(item.path, "slug", "already used by an article made in the admin")
        values = {
            "title": item.title,
            "category_id": category_ids[item.category],
            "summary": item.summary,
            "cover_url": item.cover_url,
            "audience": list(item.audience),
            "format": item.format,
            "key_points": list(item.key_points),
            "published_at": item.published_at,
            "body_markdown": item.body_markdown,
            "body_html": render_markdown(item.body_markdown),
            "status": status_for(PUBLISHED, item.published_at),
        }
        if article is None:
            article = Article(slug=item.slug, source=FILE, **values)
            set_tags(article, item.tags)
            db.session.add(article)
            counts["articles_created"] += 1
            continue
        tags_changed = article.tags != list(item.tags)
        if _apply(article, values) | tags_changed:
            set_tags(article, item.tags)
            counts["articles_updated"] += 1
        else:
            counts["articles_unchanged"] += 1
    _archive_missing(existing.values(), counts, "articles")


def _sync_alerts(items: list[AlertData], counts: Counter) -> None:
    existing = {alert.slug: alert for alert in db.session.scalars(select(Alert))}
    category_ids = fraud_types.ids_by_slug()
    for item in items:
        data = item.values
        alert = existing.pop(data["slug"], None)
        if alert is not None and alert.source != FILE:
            raise ContentError(item.path, "slug", "already used by an alert made in the admin")
        values = {
            "kind": data["kind"],
            "level": data["level"],
            "title": data["title"],
            "summary": data["summary"].strip(),
            "body_markdown": data["body"],
            "body_html": render_markdown(data["body"]) if data["body"] else None,
            "category_id": category_ids.get(data["category"]),
            "figures": alert_figures(data),
            "published_at": data["published_at"],
            "expires_at": data["expires_at"],
            "status": status_for(PUBLISHED, data["published_at"]),
        }
        if alert is None:
            db.session.add(Alert(slug=data["slug"], source=FILE, **values))
            counts["alerts_created"] += 1
        elif _apply(alert, values):
            counts["alerts_updated"] += 1
        else:
            counts["alerts_unchanged"] += 1
    _archive_missing(existing.values(), counts, "alerts")


def _archive_missing(rows, counts: Counter, kind: str) -> None:
    """File-sourced items whose file is gone are archived, never deleted."""
    for row in rows:
        if row.source == FILE and row.status != ARCHIVED:
            row.status = ARCHIVED
            counts[f"{kind}_archived"] += 1
