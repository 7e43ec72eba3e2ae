"""What the content administration's routes read and answer: articles, alerts (local
warnings with their zones) and fraud types, dumping the models and
`categories_admin.AdminCategory`."""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.articles.fields import AlertFieldsSchema, ArticleFieldsSchema, CategoryFieldsSchema
from miniapp_api.articles.models import ALERT_KINDS, ARTICLE_STATUSES, DRAFT, TREND
from miniapp_api.articles.schemas import AlertSchema, ArticleDetailSchema, FlatView
from miniapp_api.common_fields import Instant, LocalDateTime
from miniapp_api.web import PageArgsSchema, paginated


class ArticleInputSchema(ArticleFieldsSchema):
    status = fields.String(
        load_default=DRAFT, validate=validate.OneOf(("draft", "published", "scheduled"))
    )


class ArticlePatchSchema(ArticleInputSchema):
    status = fields.String(validate=validate.OneOf(("draft", "published", "scheduled", "archived")))


class AdminArticleArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ARTICLE_STATUSES))
    category = fields.String(validate=validate.Length(max=64))
    q = fields.String(validate=validate.Length(max=50))


class AdminArticleSchema(ArticleDetailSchema):
    status = fields.String(attribute="state", required=True)
    published_at = LocalDateTime(
        allow_none=True, required=True, metadata={"description": "null while a draft"}
    )
    source = fields.String(required=True, metadata={"description": "file (content/) or admin"})
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


AdminArticlePageSchema = paginated(AdminArticleSchema)


class PublishSchema(ma.Schema):
    published_at = Instant(
        allow_none=True, load_default=None, metadata={"description": "Later: scheduled"}
    )


class AlertInputSchema(AlertFieldsSchema):
    zone_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "A local warning's zones; none: city-wide (admins only)"},
    )

    @ma.validates_schema
    def _trends_are_citywide(self, data, **_kwargs):
        if data["kind"] == TREND and data.get("zone_ids"):
            raise ma.ValidationError("趋势数据只能全市发布", "zone_ids")


class AdminAlertArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(ALERT_KINDS))


class AdminAlertSchema(AlertSchema):
    status = fields.String(attribute="state", required=True)
    source = fields.String(required=True)
    body_markdown = fields.String(allow_none=True, required=True)
    figures = fields.Dict(allow_none=True, required=True)


AdminAlertPageSchema = paginated(AdminAlertSchema)


class CategoryInputSchema(CategoryFieldsSchema):
    pass


class CategoryPatchSchema(CategoryFieldsSchema):
    """The fields of a fraud type but its slug, each optional (used with `partial=True`)."""

    class Meta:
        exclude = ("slug",)


class AdminCategorySchema(FlatView, ma.Schema):
    """Dumps a `categories_admin.AdminCategory`."""

    model, view_fields = "category", frozenset({"article_count", "articles_total"})

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    risk_groups = fields.List(fields.String(), required=True)
    sort_order = fields.Integer(required=True)
    article_count = fields.Integer(required=True, metadata={"description": "Published"})
    articles_total = fields.Integer(required=True, metadata={"description": "In any state"})
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


AdminCategoryPageSchema = paginated(AdminCategorySchema)
