"""Reading and validating the files under `content/` (no Flask, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frontmatter
import marshmallow as ma
import yaml
from marshmallow import fields, validate

from miniapp_api.articles.fields import (
    KEY_POINT,
    AlertFieldsSchema,
    ArticleFieldsSchema,
    CategoryFieldsSchema,
)
from miniapp_api.common_fields import Instant


class ContentError(ValueError):
    """A content file is invalid; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = str(path), field, problem


class CategoryFileSchema(CategoryFieldsSchema):
    """A fraud type in `categories.yaml`: the fields the admin API takes."""


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name: str
    description: str
    risk_groups: tuple[str, ...]
    sort_order: int


def first_error(messages: Any, prefix: str) -> tuple[str, str]:
    """Flatten marshmallow's nested messages to (dotted field, first message)."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return first_error(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(messages, list) and messages:
        return first_error(messages[0], prefix)
    return prefix, str(messages)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path, "-", f"cannot read YAML: {exc}") from exc


def load_categories(path: Path) -> list[CategoryData]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("categories"), list):
        raise ContentError(path, "categories", "expected a list under the key `categories`")
    schema = CategoryFileSchema()
    seen: set[str] = set()
    result = []
    for index, entry in enumerate(document["categories"]):
        try:
            item = schema.load(entry if isinstance(entry, dict) else {})
        except ma.ValidationError as exc:
            field, problem = first_error(exc.messages, "")
            raise ContentError(path, f"categories[{index}].{field}", problem) from exc
        if item["slug"] in seen:
            raise ContentError(path, f"categories[{index}].slug", f"duplicate {item['slug']}")
        seen.add(item["slug"])
        result.append(
            CategoryData(
                slug=item["slug"],
                name=item["name"],
                description=item["description"].strip(),
                risk_groups=tuple(item["risk_groups"]),
                sort_order=item["sort_order"],
            )
        )
    return result


def _plain(value: Any) -> Any:
    """YAML turns timestamps and dates into objects; the schemas read ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class ArticleFileSchema(ArticleFieldsSchema):
    cover = fields.Url(allow_none=True, load_default=None, schemes={"https", "http"})
    published_at = Instant(required=True)
    # In a file, every article carries its key points (the admin API may leave them out).
    key_points = fields.List(KEY_POINT, required=True, validate=validate.Length(min=1, max=3))

    class Meta:
        exclude = ("cover_url",)


@dataclass(frozen=True)
class ArticleData:
    path: str
    slug: str
    title: str
    category: str
    tags: tuple[str, ...]
    summary: str
    cover_url: str | None
    audience: tuple[str, ...]
    published_at: datetime
    body_markdown: str
    format: str
    key_points: tuple[str, ...]


def _load(schema: ma.Schema, data: Any, path: Path, prefix: str = "") -> dict:
    try:
        return schema.load(_plain(data) if isinstance(data, dict) else {})
    except ma.ValidationError as exc:
        field, problem = first_error(exc.messages, prefix)
        raise ContentError(path, field, problem) from exc


def _known(path: Path, field: str, slug: str | None, known: set[str]) -> None:
    if slug is not None and slug not in known:
        raise ContentError(path, field, f"unknown category {slug}")


def load_article(path: Path, category_slugs: set[str]) -> ArticleData:
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        raise ContentError(path, "front matter", f"cannot read: {exc}") from exc
    item = _load(ArticleFileSchema(), {**post.metadata, "body_markdown": post.content}, path)
    if item["slug"] != path.stem:
        raise ContentError(path, "slug", f"must equal the file name ({path.stem})")
    _known(path, "category", item["category"], category_slugs)
    return ArticleData(
        path=str(path),
        slug=item["slug"],
        title=item["title"],
        category=item["category"],
        tags=tuple(dict.fromkeys(item["tags"])),
        summary=item["summary"].strip(),
        cover_url=item["cover"],
        audience=tuple(item["audience"]),
        published_at=item["published_at"],
        body_markdown=item["body_markdown"].strip() + "\n",
        format=item["format"],
        key_points=tuple(point.strip() for point in item["key_points"]),
    )


@dataclass(frozen=True)
class AlertData:
    path: str
    values: dict  # the validated fields (category as a slug)


def load_alert(path: Path, category_slugs: set[str]) -> AlertData:
    item = _load(AlertFieldsSchema(), read_yaml(path), path)
    if item["slug"] != path.stem:
        raise ContentError(path, "slug", f"must equal the file name ({path.stem})")
    _known(path, "category", item["category"], category_slugs)
    for index, row in enumerate(item["categories"] or []):
        _known(path, f"categories[{index}].category", row["category"], category_slugs)
    return AlertData(path=str(path), values=item)


class RiskProfilesSchema(ma.Schema):
    age_groups = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), required=True
    )
    occupations = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), required=True
    )


def load_risk_profiles(
    path: Path, category_slugs: set[str], allowed: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, list[str]]]:
    """Profile answers (age group, occupation) -> the fraud types they are most at risk of,
    most important first. `allowed` names the valid answers per dimension."""
    item = _load(RiskProfilesSchema(), read_yaml(path), path)
    for dimension, mapping in item.items():
        for key, slugs in mapping.items():
            if key not in allowed[dimension]:
                raise ContentError(path, f"{dimension}.{key}", f"unknown value: {key}")
            for slug in slugs:
                _known(path, f"{dimension}.{key}", slug, category_slugs)
    return item
