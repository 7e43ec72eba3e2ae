"""Content administration: articles and fraud types (`admin`), alerts (`admin`, or a
`station_admin` for the local warnings of its zones)."""

from flask_jwt_extended import current_user

from miniapp_api.articles import admin_service
from miniapp_api.articles.admin_schemas import (
    AdminAlertArgsSchema,
    AdminAlertPageSchema,
    AdminAlertSchema,
    AdminArticleArgsSchema,
    AdminArticlePageSchema,
    AdminArticleSchema,
    AdminCategoryPageSchema,
    AdminCategorySchema,
    AlertInputSchema,
    ArticleInputSchema,
    ArticlePatchSchema,
    CategoryInputSchema,
    CategoryPatchSchema,
    PublishSchema,
)
from miniapp_api.web import Blueprint, PageArgsSchema, login_required

blp = Blueprint(
    "admin_content", __name__, url_prefix="/api/v1/admin", description="Content administration"
)
OFFICERS = ("admin", "station_admin")


@blp.route("/articles", methods=["GET"])
@login_required("admin")
@blp.arguments(AdminArticleArgsSchema, location="query")
@blp.response(200, AdminArticlePageSchema)
def list_articles(args):
    """Every article in any state, newest first."""
    return admin_service.admin_articles(
        args.get("status"), args.get("category"), args.get("q"), args["page"], args["per_page"]
    )


@blp.route("/articles", methods=["POST"])
@login_required("admin")
@blp.arguments(ArticleInputSchema)
@blp.response(201, AdminArticleSchema)
@blp.alt_response(409, response="CONFLICT", description="slug taken")
def create_article(payload):
    """Write an article: a draft, published now, or scheduled (`published_at` later)."""
    return admin_service.create_article(payload, current_user)


@blp.route("/articles/<int:article_id>", methods=["GET"])
@login_required("admin")
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_article(article_id):
    """One article in any state."""
    return admin_service.get_article(article_id)


@blp.route("/articles/<int:article_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(ArticlePatchSchema(partial=True))
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_article(payload, article_id):
    """Edit; `published_at` stays unless given."""
    return admin_service.update_article(article_id, payload, current_user)


@blp.route("/articles/<int:article_id>", methods=["DELETE"])
@login_required("admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_article(article_id):
    """Archive (articles are never erased: reading points refer to them)."""
    admin_service.archive_article(article_id, current_user)


@blp.route("/articles/<int:article_id>/publish", methods=["POST"])
@login_required("admin")
@blp.arguments(PublishSchema)
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def publish_article(payload, article_id):
    """Publish now, or schedule with a later `published_at`."""
    return admin_service.publish_article(article_id, payload.get("published_at"), current_user)


@blp.route("/articles/<int:article_id>/archive", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def archive_article(article_id):
    """Take an article off the mini-program."""
    return admin_service.archive_article(article_id, current_user)


@blp.route("/alerts", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(AdminAlertArgsSchema, location="query")
@blp.response(200, AdminAlertPageSchema)
def list_alerts(args):
    """Every alert the officer may edit (a station admin: its zones' local warnings)."""
    return admin_service.admin_alerts(
        current_user, args.get("kind"), args["page"], args["per_page"]
    )


@blp.route("/alerts", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(AlertInputSchema)
@blp.response(201, AdminAlertSchema)
@blp.alt_response(404, response="NOT_FOUND", description="a zone outside the officer's reach")
@blp.alt_response(409, response="CONFLICT", description="slug taken")
def create_alert(payload):
    """Publish a warning (with `zone_ids`: a local one) or a week of trend figures."""
    return admin_service.create_alert(payload, current_user)


@blp.route("/alerts/<int:alert_id>", methods=["GET"])
@login_required(*OFFICERS)
@blp.response(200, AdminAlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_alert(alert_id):
    """One alert."""
    return admin_service.get_alert(alert_id, current_user)


@blp.route("/alerts/<int:alert_id>", methods=["PUT"])
@login_required(*OFFICERS)
@blp.arguments(AlertInputSchema)
@blp.response(200, AdminAlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
def replace_alert(payload, alert_id):
    """Replace an alert with a corrected version (validated as on creation)."""
    return admin_service.replace_alert(alert_id, payload, current_user)


@blp.route("/alerts/<int:alert_id>", methods=["DELETE"])
@login_required(*OFFICERS)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_alert(alert_id):
    """Archive an alert."""
    admin_service.archive_alert(alert_id, current_user)


@blp.route("/categories", methods=["GET"])
@login_required("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AdminCategoryPageSchema)
def list_categories(args):
    """Every fraud type in display order, with its article counts."""
    return admin_service.admin_categories(args["page"], args["per_page"])


@blp.route("/categories", methods=["POST"])
@login_required("admin")
@blp.arguments(CategoryInputSchema)
@blp.response(201, AdminCategorySchema)
@blp.alt_response(409, response="CONFLICT", description="slug taken")
def create_category(payload):
    """Add a fraud type (the rules of `content/categories.yaml`)."""
    return admin_service.create_category(payload, current_user)


@blp.route("/categories/<int:category_id>", methods=["GET"])
@login_required("admin")
@blp.response(200, AdminCategorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_category(category_id):
    """One fraud type with its article counts."""
    return admin_service.get_category(category_id)


@blp.route("/categories/<int:category_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(CategoryPatchSchema(partial=True))
@blp.response(200, AdminCategorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_category(payload, category_id):
    """Edit a fraud type (not its slug; for a type in the content files the file wins)."""
    return admin_service.update_category(category_id, payload, current_user)
