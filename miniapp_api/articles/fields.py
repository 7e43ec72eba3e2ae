"""What a fraud type, an article and an alert are made of: the rules the files under
`content/` and the admin API validate them by alike (no Flask, no database)."""

from __future__ import annotations

import marshmallow as ma
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


class CategoryFieldsSchema(ma.Schema):
    """What a fraud type is made of: `content/categories.yaml` and the admin API validate
    it alike."""

    slug = fields.String(required=True, validate=[validate.Length(max=64), SLUG])
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(required=True, validate=validate.Length(min=20, max=1000))
    risk_groups = fields.List(
        fields.String(validate=validate.OneOf(RISK_GROUPS)),
        required=True,
        validate=validate.Length(min=1),
    )
    sort_order = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 10_000))


AUDIENCES = ("general", *RISK_GROUPS)
TAG = fields.String(validate=validate.Length(min=1, max=24))
SUMMARY = validate.Length(min=10, max=200)


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


def alert_figures(item: dict) -> dict | None:
    if item["kind"] != "trend":
        return None
    return {
        "period": {key: value.isoformat() for key, value in item["period"].items()},
        "source": item["source"],
        "districts": item["districts"],
        "categories": item["categories"],
    }
