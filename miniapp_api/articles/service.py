"""Content use cases: fraud types, articles, reading points, the feed and alerts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, delete, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from miniapp_api.articles.content_files import (
    AlertData,
    ArticleData,
    CategoryData,
    ContentError,
    alert_figures,
    load_alert,
    load_article,
    load_categories,
    load_risk_profiles,
)
from miniapp_api.articles.lookups import existing_category_slugs
from miniapp_api.articles.models import (
    ADMIN,
    ARCHIVED,
    DRAFT,
    FILE,
    PUBLISHED,
    SCHEDULED,
    Alert,
    Article,
    ArticleRead,
    ArticleTag,
    Category,
    RiskProfile,
)
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.db import utcnow
from miniapp_api.errors import AppError, Conflict, NotFound, ValidationFailed
from miniapp_api.extensions import db
from miniapp_api.pagination import paginate
from miniapp_api.points import service as points
from miniapp_api.users import service as users
from miniapp_api.users.models import AGE_GROUPS, OCCUPATIONS, User

PROFILE_DIMENSIONS = {"age_groups": AGE_GROUPS, "occupations": OCCUPATIONS}
PROFILE_FIELDS = {"age_groups": "age_group", "occupations": "occupation"}

# Loaders other domains add to `flask content sync` (the question bank): (folder name,
# load(folder, category slugs, article slugs) -> data, sync(data, counts) without commit).
_extra_loaders: list[tuple[str, Callable, Callable]] = []


def register_content_loader(folder: str, load: Callable, sync: Callable) -> None:
    if all(entry[0] != folder for entry in _extra_loaders):
        _extra_loaders.append((folder, load, sync))


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


class ReadTooFast(AppError):
    status_code, error_code = 409, "READ_TOO_FAST"
    message = "请先认真读完文章，再领取阅读积分"


# ---- reading ---------------------------------------------------------------


def _visible():
    """Readers see published articles, and scheduled ones once their time has come."""
    return and_(Article.status.in_((PUBLISHED, SCHEDULED)), Article.published_at <= utcnow())


def categories() -> list[dict]:
    counts = dict(
        db.session.execute(
            select(Article.category_id, func.count())
            .where(_visible())
            .group_by(Article.category_id)
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


def _category_id(slug: str) -> int:
    category_id = db.session.scalar(select(Category.id).where(Category.slug == slug))
    if category_id is None:
        raise ValidationFailed(errors={"json": {"category": [f"未知的诈骗类型：{slug}"]}})
    return category_id


def _search(query, text: str):
    pattern = f"%{text.strip()}%"
    tagged = exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag.ilike(pattern))
    return query.where(or_(Article.title.ilike(pattern), Article.summary.ilike(pattern), tagged))


def _filtered(query, category: str | None, tag: str | None, text: str | None):
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
    query = _filtered(select(Article).where(_visible()), category, tag, text)
    return paginate(query.order_by(Article.published_at.desc(), Article.id.desc()), page, per_page)


def _find_visible(id_or_slug: str) -> Article:
    condition = (
        Article.id == int(id_or_slug)
        if id_or_slug.isdigit() and len(id_or_slug) < 10
        else Article.slug == id_or_slug
    )
    article = db.session.scalar(select(Article).where(condition, _visible()))
    if article is None:
        raise NotFound("文章不存在或已下线")
    return article


def open_article(id_or_slug: str, user: User | None) -> dict:
    """One article; a logged-in reader's first opening is recorded (the reading clock)."""
    article = _find_visible(id_or_slug)
    read = None
    if user is not None:
        read = _record_open(user.id, article.id)
    return {
        "article": article,
        "read": read is not None and read.read_at is not None,
        "min_read_seconds": current_app.config["ARTICLE_MIN_READ_SECONDS"],
    }


def _reading(user_id: int, article_id: int) -> ArticleRead | None:
    return db.session.scalar(
        select(ArticleRead).where(
            ArticleRead.user_id == user_id, ArticleRead.article_id == article_id
        )
    )


def _record_open(user_id: int, article_id: int) -> ArticleRead:
    read = _reading(user_id, article_id)
    if read is not None:
        return read
    db.session.add(ArticleRead(user_id=user_id, article_id=article_id, opened_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # opened twice at once: the other request recorded it
        db.session.rollback()
    return _reading(user_id, article_id)


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
    db.session.commit()
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
        .where(_visible())
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


# ---- alerts ----------------------------------------------------------------


def _alert_visible():
    now = utcnow()
    return and_(
        Alert.status.in_((PUBLISHED, SCHEDULED)),
        Alert.published_at <= now,
        or_(Alert.expires_at.is_(None), Alert.expires_at > now),
    )


def alerts(kind: str | None, page: int, per_page: int) -> dict:
    query = select(Alert).where(_alert_visible())
    if kind:
        query = query.where(Alert.kind == kind)
    result = paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)
    result["items"] = [alert_view(alert) for alert in result["items"]]
    return result


def _previous_week(alert: Alert) -> dict | None:
    start = datetime.fromisoformat(alert.figures["period"]["start"]).date()
    wanted = (start - timedelta(days=7)).isoformat()
    for candidate in db.session.scalars(
        select(Alert).where(Alert.kind == "trend", Alert.id != alert.id, _alert_visible())
    ):
        if candidate.figures and candidate.figures["period"]["start"] == wanted:
            return candidate.figures
    return None


def _change(now: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def trend_view(figures: dict, previous: dict | None) -> dict:
    """Shares and week-on-week changes, computed from the raw counts."""
    before_d = {d["district"]: d for d in (previous or {}).get("districts", [])}
    before_c = {c["category"]: c for c in (previous or {}).get("categories", [])}
    cases = sum(d["cases"] for d in figures["districts"])
    loss = round(sum(d["loss_wan"] for d in figures["districts"]), 1)
    prev_cases = sum(d["cases"] for d in before_d.values()) if previous else None
    prev_loss = sum(d["loss_wan"] for d in before_d.values()) if previous else None
    names = dict(db.session.execute(select(Category.slug, Category.name)).all())
    return {
        "period": figures["period"],
        "source": figures["source"],
        "total": {
            "cases": cases,
            "loss_wan": loss,
            "cases_change_pct": _change(cases, prev_cases),
            "loss_change_pct": _change(loss, prev_loss),
        },
        "districts": [
            {
                **d,
                "cases_change_pct": _change(
                    d["cases"], before_d.get(d["district"], {}).get("cases")
                ),
            }
            for d in sorted(figures["districts"], key=lambda d: -d["cases"])
        ],
        "categories": [
            {
                "category": c["category"],
                "name": names.get(c["category"]),
                "cases": c["cases"],
                "share_pct": round(c["cases"] / cases * 100, 1) if cases else 0.0,
                "cases_change": (
                    c["cases"] - before_c[c["category"]]["cases"]
                    if c["category"] in before_c
                    else None
                ),
            }
            for c in sorted(figures["categories"], key=lambda c: -c["cases"])
        ],
    }


def alert_view(alert: Alert) -> dict:
    return {
        "alert": alert,
        "trend": trend_view(alert.figures, _previous_week(alert)) if alert.figures else None,
    }


# ---- administration --------------------------------------------------------


def _status_for(requested: str, published_at: datetime | None) -> str:
    if requested in (PUBLISHED, SCHEDULED):
        return SCHEDULED if published_at and published_at > utcnow() else PUBLISHED
    return requested


def _article_values(values: Mapping[str, Any]) -> dict:
    out = dict(values)
    if "category" in out:
        out["category_id"] = _category_id(out.pop("category"))
    if "body_markdown" in out:
        out["body_html"] = render_markdown(out["body_markdown"])
    return out


def _set_tags(article: Article, tags: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(tags))
    if wanted == article.tags:
        return
    article.tag_rows.clear()
    db.session.flush()
    article.tag_rows.extend(ArticleTag(tag=tag, position=i) for i, tag in enumerate(wanted))


def _slug_free(model, slug: str, own_id: int | None = None) -> None:
    taken = db.session.scalar(select(model.id).where(model.slug == slug))
    if taken is not None and taken != own_id:
        raise Conflict("该标识（slug）已被使用", errors={"json": {"slug": ["已被使用"]}})


def admin_articles(status: str | None, category: str | None, text: str | None, page, per_page):
    query = _filtered(select(Article), category, None, text)
    if status:
        query = query.where(Article.status == status)
    return paginate(query.order_by(Article.id.desc()), page, per_page)


def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound("文章不存在")
    return article


def create_article(values: Mapping[str, Any]) -> Article:
    values = dict(values)
    _slug_free(Article, values["slug"])
    tags = values.pop("tags", [])
    requested = values.pop("status", DRAFT)
    if requested in (PUBLISHED, SCHEDULED) and values.get("published_at") is None:
        values["published_at"] = utcnow()
    article = Article(**_article_values(values), source=ADMIN)
    article.status = _status_for(requested, article.published_at)
    _set_tags(article, tags)
    db.session.add(article)
    db.session.commit()
    return article


def update_article(article_id: int, values: Mapping[str, Any]) -> Article:
    """Edit; `published_at` only changes when it is given."""
    article = get_article(article_id)
    values = dict(values)
    if "slug" in values:
        _slug_free(Article, values["slug"], article.id)
    if "tags" in values:
        _set_tags(article, values.pop("tags"))
    requested = values.pop("status", None)
    for key, value in _article_values(values).items():
        setattr(article, key, value)
    if requested is not None:
        if requested in (PUBLISHED, SCHEDULED) and article.published_at is None:
            article.published_at = utcnow()
        article.status = _status_for(requested, article.published_at)
    elif article.status in (PUBLISHED, SCHEDULED):
        article.status = _status_for(article.status, article.published_at)
    db.session.commit()
    return article


def publish_article(article_id: int, at: datetime | None) -> Article:
    """Publish now, or schedule for `at`; a republish keeps the first `published_at`."""
    article = get_article(article_id)
    if at is not None:
        article.published_at = at
    elif article.published_at is None:
        article.published_at = utcnow()
    article.status = _status_for(PUBLISHED, article.published_at)
    db.session.commit()
    return article


def archive_article(article_id: int) -> Article:
    article = get_article(article_id)
    article.status = ARCHIVED
    db.session.commit()
    return article


def _alert_values(values: Mapping[str, Any]) -> dict:
    item = dict(values)
    out = {
        key: item[key]
        for key in ("slug", "kind", "level", "title", "summary", "published_at", "expires_at")
        if key in item
    }
    if "category" in item:
        out["category_id"] = _category_id(item["category"]) if item["category"] else None
    if "body" in item:
        out["body_markdown"] = item["body"]
        out["body_html"] = render_markdown(item["body"]) if item["body"] else None
    if item.get("kind") == "trend":
        for index, row in enumerate(item["categories"]):
            if not existing_category_slugs([row["category"]]):
                raise ValidationFailed(
                    errors={"json": {f"categories.{index}.category": ["未知的诈骗类型"]}}
                )
    out["figures"] = alert_figures(item) if "kind" in item else None
    return out


def admin_alerts(kind: str | None, page: int, per_page: int) -> dict:
    query = select(Alert)
    if kind:
        query = query.where(Alert.kind == kind)
    return paginate(query.order_by(Alert.published_at.desc(), Alert.id.desc()), page, per_page)


def get_alert(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("预警不存在")
    return alert


def create_alert(values: Mapping[str, Any]) -> Alert:
    _slug_free(Alert, values["slug"])
    alert = Alert(**_alert_values(values), source=ADMIN)
    alert.status = _status_for(PUBLISHED, alert.published_at)
    db.session.add(alert)
    db.session.commit()
    return alert


def replace_alert(alert_id: int, values: Mapping[str, Any]) -> Alert:
    """Alerts are small: an edit sends the whole alert, validated as on creation."""
    alert = get_alert(alert_id)
    _slug_free(Alert, values["slug"], alert.id)
    for key, value in _alert_values(values).items():
        setattr(alert, key, value)
    if alert.status != ARCHIVED:
        alert.status = _status_for(PUBLISHED, alert.published_at)
    db.session.commit()
    return alert


def archive_alert(alert_id: int) -> None:
    get_alert(alert_id).status = ARCHIVED
    db.session.commit()


# ---- flask content sync ----------------------------------------------------


def content_files(content_dir: Path) -> list[Path]:
    """Every file the sync reads, in the order it reads them."""
    files = [content_dir / "categories.yaml", content_dir / "risk_profiles.yaml"]
    files += sorted((content_dir / "articles").glob("*.md"))
    files += sorted((content_dir / "alerts").glob("*.yaml"))
    for folder, _load, _sync in _extra_loaders:
        files += sorted((content_dir / folder).glob("*.yaml"))
    return files


def sync_content(
    content_dir: Path, *, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> Counter:
    """Load every content file; all of it is validated before anything is written.

    Creates or updates by slug, never duplicates, archives file-sourced articles and
    alerts whose file is gone. Returns counts such as `articles_created`. With
    `dry_run`, nothing is committed. `progress(n)` is told each time n files are read.
    """
    step = progress or (lambda _n: None)
    categories = load_categories(content_dir / "categories.yaml")
    slugs = {item.slug for item in categories}
    profiles = load_risk_profiles(content_dir / "risk_profiles.yaml", slugs, PROFILE_DIMENSIONS)
    step(2)
    articles = []
    for path in sorted((content_dir / "articles").glob("*.md")):
        articles.append(load_article(path, slugs))
        step(1)
    alerts_ = []
    for path in sorted((content_dir / "alerts").glob("*.yaml")):
        alerts_.append(load_alert(path, slugs))
        step(1)
    article_slugs = {item.slug for item in articles} | set(db.session.scalars(select(Article.slug)))
    extras = []
    for folder, load, sync in _extra_loaders:
        extras.append((sync, load(content_dir / folder, slugs, article_slugs)))
        step(len(list((content_dir / folder).glob("*.yaml"))))
    _unique(articles, "articles")
    _unique(alerts_, "alerts")

    counts: Counter = Counter()
    _sync_categories(categories, counts)
    db.session.flush()
    _sync_profiles(profiles, counts)
    _sync_articles(articles, counts)
    _sync_alerts(alerts_, counts)
    for sync, data in extras:
        sync(data, counts)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return counts


def _unique(items, kind: str) -> None:
    seen: dict[str, str] = {}
    for item in items:
        slug = item.slug if hasattr(item, "slug") else item.values["slug"]
        if slug in seen:
            raise ContentError(item.path, "slug", f"duplicate of {seen[slug]}")
        seen[slug] = item.path


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


def _sync_profiles(profiles: dict[str, dict[str, list[str]]], counts: Counter) -> None:
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
    category_ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
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
            "published_at": item.published_at,
            "body_markdown": item.body_markdown,
            "body_html": render_markdown(item.body_markdown),
            "status": _status_for(PUBLISHED, item.published_at),
        }
        if article is None:
            article = Article(slug=item.slug, source=FILE, **values)
            _set_tags(article, item.tags)
            db.session.add(article)
            counts["articles_created"] += 1
            continue
        tags_changed = article.tags != list(item.tags)
        if _apply(article, values) | tags_changed:
            _set_tags(article, item.tags)
            counts["articles_updated"] += 1
        else:
            counts["articles_unchanged"] += 1
    _archive_missing(existing.values(), counts, "articles")


def _sync_alerts(items: list[AlertData], counts: Counter) -> None:
    existing = {alert.slug: alert for alert in db.session.scalars(select(Alert))}
    category_ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
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
            "status": _status_for(PUBLISHED, data["published_at"]),
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
