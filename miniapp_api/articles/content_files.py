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

from miniapp_api.common_fields import Instant

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="只能包含小写字母、数字和连字符")
RISK_GROUPS = (
    "students",
    "elderly",
    "young_adults",
    "women",
    "men",
    "job_seekers",
    "online_shoppers",
    "gamers",
    "investors",
    "finance_staff",
    "business_owners",
    "parents",
    "retirees",
    "borrowers",
)


class ContentError(ValueError):
    """A content file is invalid; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = str(path), field, problem


class CategoryFileSchema(ma.Schema):
    slug = fields.String(required=True, validate=[validate.Length(max=64), SLUG])
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(required=True, validate=validate.Length(min=20, max=1000))
    risk_groups = fields.List(
        fields.String(validate=validate.OneOf(RISK_GROUPS)),
        required=True,
        validate=validate.Length(min=1),
    )
    sort_order = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 10_000))


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


# ---- articles, alerts and risk profiles ------------------------------------

AUDIENCES = ("general", *RISK_GROUPS)
TAG = fields.String(validate=validate.Length(min=1, max=24))
SUMMARY = validate.Length(min=10, max=200)


def _plain(value: Any) -> Any:
    """YAML turns timestamps and dates into objects; the schemas read ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class ArticleFieldsSchema(ma.Schema):
    """What an article is made of: the files and the admin API validate it alike."""

    slug = fields.String(required=True, validate=[validate.Length(max=80), SLUG])
    title = fields.String(required=True, validate=validate.Length(min=2, max=80))
    category = fields.String(required=True, validate=validate.Length(max=64))
    tags = fields.List(TAG, load_default=list, validate=validate.Length(max=6))
    summary = fields.String(required=True, validate=SUMMARY)
    cover_url = fields.Url(
        allow_none=True,
        load_default=None,
        schemes={"https", "http"},
        validate=validate.Length(max=512),
    )
    audience = fields.List(
        fields.String(validate=validate.OneOf(AUDIENCES)),
        load_default=lambda: ["general"],
        validate=validate.Length(min=1, max=len(AUDIENCES)),
    )
    published_at = Instant(allow_none=True, load_default=None)
    body_markdown = fields.String(required=True, validate=validate.Length(min=50, max=20_000))


class ArticleFileSchema(ArticleFieldsSchema):
    cover = fields.Url(allow_none=True, load_default=None, schemes={"https", "http"})
    published_at = Instant(required=True)

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
    )


class DistrictFiguresSchema(ma.Schema):
    district = fields.String(required=True, validate=validate.Length(min=2, max=16))
    cases = fields.Integer(strict=True, required=True, validate=validate.Range(0, 1_000_000))
    loss_wan = fields.Float(required=True, validate=validate.Range(0, 10_000_000))


class CategoryFiguresSchema(ma.Schema):
    category = fields.String(required=True)
    cases = fields.Integer(strict=True, required=True, validate=validate.Range(0, 1_000_000))


class PeriodSchema(ma.Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class AlertFieldsSchema(ma.Schema):
    """An alert: a `warning` with a level and a body, or a `trend` with a week of figures."""

    slug = fields.String(required=True, validate=[validate.Length(max=80), SLUG])
    kind = fields.String(required=True, validate=validate.OneOf(("warning", "trend")))
    level = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(("high", "medium", "low"))
    )
    title = fields.String(required=True, validate=validate.Length(min=2, max=80))
    summary = fields.String(required=True, validate=SUMMARY)
    body = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=5000))
    category = fields.String(allow_none=True, load_default=None)
    published_at = Instant(required=True)
    expires_at = Instant(allow_none=True, load_default=None)
    period = fields.Nested(PeriodSchema, allow_none=True, load_default=None)
    source = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    districts = fields.List(
        fields.Nested(DistrictFiguresSchema), allow_none=True, load_default=None
    )
    categories = fields.List(
        fields.Nested(CategoryFiguresSchema), allow_none=True, load_default=None
    )

    @ma.validates_schema
    def _consistent(self, data, **_kwargs):
        if data.get("expires_at") and data["expires_at"] <= data["published_at"]:
            raise ma.ValidationError("必须晚于发布时间", "expires_at")
        if data["kind"] == "warning":
            for name in ("level", "body"):
                if not data.get(name):
                    raise ma.ValidationError("预警必须填写", name)
            return
        for name in ("period", "source", "districts", "categories"):
            if not data.get(name):
                raise ma.ValidationError("趋势必须填写", name)
        start, end = data["period"]["start"], data["period"]["end"]
        if start.weekday() != 0 or (end - start).days != 6:
            raise ma.ValidationError("必须是周一到周日的一周", "period")
        districts = sum(item["cases"] for item in data["districts"])
        by_category = sum(item["cases"] for item in data["categories"])
        if districts != by_category:
            raise ma.ValidationError(
                f"各类型案件数之和 {by_category} 不等于各地区之和 {districts}", "categories"
            )
        names = [item["district"] for item in data["districts"]]
        if len(set(names)) != len(names):
            raise ma.ValidationError("地区重复", "districts")


@dataclass(frozen=True)
class AlertData:
    path: str
    values: dict  # the validated fields (category as a slug)


def alert_figures(item: dict) -> dict | None:
    if item["kind"] != "trend":
        return None
    return {
        "period": {key: value.isoformat() for key, value in item["period"].items()},
        "source": item["source"],
        "districts": item["districts"],
        "categories": item["categories"],
    }


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
