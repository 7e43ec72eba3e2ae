"""What the articles domain's routes read and answer. Lists are `storage.Page`s dumped by
`web.paginated`; a service's view (a model with figures computed beside it) is dumped flat
by a `FlatView` schema."""

from typing import ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.articles.models import ALERT_KINDS
from miniapp_api.common_fields import LocalDateTime
from miniapp_api.web import PageArgsSchema, paginated


class FlatView:
    """Mixed into a schema that dumps a view dataclass as one flat object: the fields in
    `view_fields` are the view's own; every other field is read from the model the view
    holds in its `model` attribute."""

    model: ClassVar[str]
    view_fields: ClassVar[frozenset[str]]

    def get_attribute(self, obj, attr, default):
        source = obj if attr in self.view_fields else getattr(obj, self.model)
        return super().get_attribute(source, attr, default)


class CategorySchema(FlatView, ma.Schema):
    """Dumps a `reading.CategoryCount`."""

    model, view_fields = "category", frozenset({"article_count"})

    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    risk_groups = fields.List(fields.String(), required=True)
    article_count = fields.Integer(required=True)


class CategoryListSchema(ma.Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)


class ArticleArgsSchema(PageArgsSchema):
    category = fields.String(validate=validate.Length(max=64))
    tag = fields.String(validate=validate.Length(max=24))
    q = fields.String(validate=validate.Length(max=50))


class CategoryRefSchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ArticleSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.Nested(CategoryRefSchema, required=True)
    tags = fields.List(fields.String(), required=True)
    audience = fields.List(fields.String(), required=True)
    format = fields.String(
        required=True, metadata={"description": "case, guide, rhyme (顺口溜), explainer, howto"}
    )
    key_points = fields.List(
        fields.String(), required=True, metadata={"description": "1-3 short sentences"}
    )
    cover_url = fields.String(allow_none=True, required=True)
    published_at = LocalDateTime(required=True)
    read_count = fields.Integer(required=True, metadata={"description": "Distinct readers"})


ArticlePageSchema = paginated(ArticleSummarySchema, name="ArticlePage")


class ArticleDetailSchema(ArticleSummarySchema):
    body_html = fields.String(
        required=True, metadata={"description": "Sanitised for the rich-text component"}
    )
    body_markdown = fields.String(required=True)


class ArticleOpenedSchema(FlatView, ArticleDetailSchema):
    """Dumps a `reading.OpenedArticle`."""

    model, view_fields = "article", frozenset({"read", "min_read_seconds", "body_html"})

    read = fields.Boolean(required=True, metadata={"description": "The caller finished it"})
    min_read_seconds = fields.Integer(required=True)


class ReadResultSchema(ma.Schema):
    article_id = fields.Integer(required=True)
    first_read = fields.Boolean(required=True)
    points_awarded = fields.Integer(required=True)
    capped = fields.Boolean(required=True, metadata={"description": "The daily cap cut it"})
    balance = fields.Integer(required=True)


class FeedItemSchema(ma.Schema):
    article = fields.Nested(ArticleSummarySchema, required=True)
    read = fields.Boolean(required=True)
    reason = fields.String(
        required=True, validate=validate.OneOf(["subscribed", "risk_profile", "newest"])
    )


class FeedSchema(paginated(FeedItemSchema)):
    """Dumps a `feed.FeedPage`."""

    interests = fields.List(
        fields.String(), required=True, metadata={"description": "Categories put first, in order"}
    )


class AlertArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(ALERT_KINDS))


NOT_GIVEN = "null when the source gives no figure"


class TrendTotalSchema(ma.Schema):
    cases = fields.Integer(required=True)
    loss_wan = fields.Float(required=True)
    cases_change_pct = fields.Float(allow_none=True, required=True)
    loss_change_pct = fields.Float(allow_none=True, required=True)


class TrendDistrictSchema(ma.Schema):
    district = fields.String(required=True)
    cases = fields.Integer(allow_none=True, required=True, metadata={"description": NOT_GIVEN})
    loss_wan = fields.Float(allow_none=True, required=True, metadata={"description": NOT_GIVEN})
    rank = fields.Integer(required=True, metadata={"description": "1: the most cases"})
    cases_change_pct = fields.Float(allow_none=True, required=True)


class TrendCategorySchema(ma.Schema):
    category = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    cases = fields.Integer(allow_none=True, required=True, metadata={"description": NOT_GIVEN})
    share_pct = fields.Float(allow_none=True, required=True, metadata={"description": NOT_GIVEN})
    cases_change = fields.Integer(allow_none=True, required=True)
    trend = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(("up", "down", "flat")),
        metadata={"description": "Rising or falling, where the source says so"},
    )


class TrendSchema(ma.Schema):
    period = fields.Dict(required=True, metadata={"description": "{start, end}: seven days"})
    source = fields.String(required=True, metadata={"description": "Where the figures are from"})
    scope = fields.String(allow_none=True, required=True, metadata={"description": "e.g. 宁波市"})
    total = fields.Nested(TrendTotalSchema, required=True)
    districts = fields.List(fields.Nested(TrendDistrictSchema), required=True)
    categories = fields.List(fields.Nested(TrendCategorySchema), required=True)
    top_categories_share_pct = fields.Float(allow_none=True, required=True)
    highlights = fields.List(fields.String(), required=True)


class AlertSchema(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    kind = fields.String(required=True)
    level = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body_html = fields.String(allow_none=True, required=True)
    category = fields.Nested(CategoryRefSchema, allow_none=True, required=True)
    published_at = LocalDateTime(required=True)
    expires_at = LocalDateTime(allow_none=True, required=True)
    zone_ids = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "A local warning's zones; empty: city-wide"},
    )


class AlertViewSchema(FlatView, AlertSchema):
    """Dumps an `alerts.AlertView`."""

    model, view_fields = "alert", frozenset({"trend"})

    trend = fields.Nested(TrendSchema, allow_none=True, required=True)


AlertPageSchema = paginated(AlertViewSchema, name="AlertPage")
