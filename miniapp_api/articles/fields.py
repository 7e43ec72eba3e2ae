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
    "farmers",
    "migrant_workers",
    "minors",
    "homemakers",
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
# What kind of article it is: a case story, a guide (how to spot it, what to do), a rhyme
# (顺口溜), an explainer of a law or rule, a step-by-step how-to.
ARTICLE_FORMATS = ("case", "guide", "rhyme", "explainer", "howto")
KEY_POINT = fields.String(validate=validate.Length(min=8, max=30))
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
    format = fields.String(load_default="guide", validate=validate.OneOf(ARTICLE_FORMATS))
    key_points = fields.List(
        KEY_POINT,
        load_default=list,
        validate=validate.Length(max=3),
        metadata={"description": "1-3 short sentences for the summary card"},
    )


class DistrictFiguresSchema(ma.Schema):
    """A district's cases and losses, or only its rank where the source gives no counts."""

    district = fields.String(required=True, validate=validate.Length(min=2, max=16))
    cases = fields.Integer(strict=True, validate=validate.Range(0, 1_000_000))
    loss_wan = fields.Float(validate=validate.Range(0, 10_000_000))
    rank = fields.Integer(strict=True, validate=validate.Range(1, 1000))


class CategoryFiguresSchema(ma.Schema):
    category = fields.String(required=True)
    cases = fields.Integer(strict=True, validate=validate.Range(0, 1_000_000))
    trend = fields.String(validate=validate.OneOf(("up", "down", "flat")))


class TotalFiguresSchema(ma.Schema):
    """The week's totals as the source reports them (with its own week-on-week changes)."""

    cases = fields.Integer(strict=True, required=True, validate=validate.Range(0, 10_000_000))
    loss_wan = fields.Float(required=True, validate=validate.Range(0, 100_000_000))
    cases_change_pct = fields.Float(validate=validate.Range(-100, 100_000))
    loss_change_pct = fields.Float(validate=validate.Range(-100, 100_000))


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
    source = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))
    scope = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=32))
    total = fields.Nested(TotalFiguresSchema, allow_none=True, load_default=None)
    districts = fields.List(
        fields.Nested(DistrictFiguresSchema), allow_none=True, load_default=None
    )
    categories = fields.List(
        fields.Nested(CategoryFiguresSchema), allow_none=True, load_default=None
    )
    top_categories_share_pct = fields.Float(
        allow_none=True, load_default=None, validate=validate.Range(0, 100)
    )
    highlights = fields.List(
        fields.String(validate=validate.Length(min=2, max=120)),
        load_default=list,
        validate=validate.Length(max=8),
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
        if (end - start).days != 6:  # a source's week may run Saturday to Friday
            raise ma.ValidationError("必须是连续的七天", "period")
        names = [item["district"] for item in data["districts"]]
        if len(set(names)) != len(names):
            raise ma.ValidationError("地区重复", "districts")
        if is_complete(data):
            _sums_agree(data)
        elif data.get("total") is None:
            raise ma.ValidationError("各地区没有完整的案件数和损失时，必须填写合计", "total")


def is_complete(data: dict) -> bool:
    """Counts for every district and every fraud type: totals and shares can be computed.
    Otherwise the week is as a source reported it (ranks, trends, its own totals)."""
    return all("cases" in d and "loss_wan" in d for d in data["districts"]) and all(
        "cases" in c for c in data["categories"]
    )


def _sums_agree(data: dict) -> None:
    districts = sum(item["cases"] for item in data["districts"])
    by_category = sum(item["cases"] for item in data["categories"])
    if districts != by_category:
        raise ma.ValidationError(
            f"各类型案件数之和 {by_category} 不等于各地区之和 {districts}", "categories"
        )


def alert_figures(item: dict) -> dict | None:
    if item["kind"] != "trend":
        return None
    figures = {
        "period": {key: value.isoformat() for key, value in item["period"].items()},
        "source": item["source"],
        "districts": item["districts"],
        "categories": item["categories"],
    }
    for optional in ("scope", "total", "top_categories_share_pct"):
        if item.get(optional) is not None:
            figures[optional] = item[optional]
    if item.get("highlights"):
        figures["highlights"] = item["highlights"]
    return figures
