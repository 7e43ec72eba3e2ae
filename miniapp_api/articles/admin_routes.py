"""Content administration (`admin` or `station_admin`): articles and alerts."""

from flask_smorest import Blueprint

from miniapp_api.articles import admin_service
from miniapp_api.articles.schemas import (
    AdminAlertArgsSchema,
    AdminAlertPageSchema,
    AdminAlertSchema,
    AdminArticleArgsSchema,
    AdminArticlePageSchema,
    AdminArticleSchema,
    AlertInputSchema,
    ArticleInputSchema,
    ArticlePatchSchema,
    PublishSchema,
)
from miniapp_api.web import login_required

blp = Blueprint(
    "admin_content", __name__, url_prefix="/api/v1/admin", description="Content administration"
)
EDITORS = ("admin", "station_admin")


@blp.route("/articles", methods=["GET"])
@login_required(*EDITORS)
@blp.arguments(AdminArticleArgsSchema, location="query")
@blp.response(200, AdminArticlePageSchema)
def list_articles(args):
    """Every article in any state, newest first."""
    return admin_service.admin_articles(
        args.get("status"), args.get("category"), args.get("q"), args["page"], args["per_page"]
    )


@blp.route("/articles", methods=["POST"])
@login_required(*EDITORS)
@blp.arguments(ArticleInputSchema)
@blp.response(201, AdminArticleSchema)
@blp.alt_response(409, response="CONFLICT", description="slug taken")
def create_article(payload):
    """Write an article: a draft, published now, or scheduled (`published_at` later)."""
    return admin_service.create_article(payload)


@blp.route("/articles/<int:article_id>", methods=["GET"])
@login_required(*EDITORS)
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_article(article_id):
    """One article in any state."""
    return admin_service.get_article(article_id)


@blp.route("/articles/<int:article_id>", methods=["PATCH"])
@login_required(*EDITORS)
@blp.arguments(ArticlePatchSchema(partial=True))
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_article(payload, article_id):
    """Edit; `published_at` stays unless given."""
    return admin_service.update_article(article_id, payload)


@blp.route("/articles/<int:article_id>", methods=["DELETE"])
@login_required(*EDITORS)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_article(article_id):
    """Archive (articles are never erased: reading points refer to them)."""
    admin_service.archive_article(article_id)


@blp.route("/articles/<int:article_id>/publish", methods=["POST"])
@login_required(*EDITORS)
@blp.arguments(PublishSchema)
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def publish_article(payload, article_id):
    """Publish now, or schedule with a later `published_at`."""
    return admin_service.publish_article(article_id, payload.get("published_at"))


@blp.route("/articles/<int:article_id>/archive", methods=["POST"])
@login_required(*EDITORS)
@blp.response(200, AdminArticleSchema)
@blp.alt_response(404, response="NOT_FOUND")
def archive_article(article_id):
    """Take an article off the mini-program."""
    return admin_service.archive_article(article_id)


@blp.route("/alerts", methods=["GET"])
@login_required(*EDITORS)
@blp.arguments(AdminAlertArgsSchema, location="query")
@blp.response(200, AdminAlertPageSchema)
def list_alerts(args):
    """Every alert, expired and archived ones included."""
    return admin_service.admin_alerts(args.get("kind"), args["page"], args["per_page"])


@blp.route("/alerts", methods=["POST"])
@login_required(*EDITORS)
@blp.arguments(AlertInputSchema)
@blp.response(201, AdminAlertSchema)
@blp.alt_response(409, response="CONFLICT", description="slug taken")
def create_alert(payload):
    """Publish a warning or a week of trend figures (a later `published_at` schedules it)."""
    return admin_service.create_alert(payload)


@blp.route("/alerts/<int:alert_id>", methods=["GET"])
@login_required(*EDITORS)
@blp.response(200, AdminAlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_alert(alert_id):
    """One alert."""
    return admin_service.get_alert(alert_id)


@blp.route("/alerts/<int:alert_id>", methods=["PUT"])
@login_required(*EDITORS)
@blp.arguments(AlertInputSchema)
@blp.response(200, AdminAlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
def replace_alert(payload, alert_id):
    """Replace an alert with a corrected version (validated as on creation)."""
    return admin_service.replace_alert(alert_id, payload)


@blp.route("/alerts/<int:alert_id>", methods=["DELETE"])
@login_required(*EDITORS)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_alert(alert_id):
    """Archive an alert."""
    admin_service.archive_alert(alert_id)
