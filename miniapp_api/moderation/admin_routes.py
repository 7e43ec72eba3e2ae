"""The content review queue (`admin`; `station_admin` in its zones)."""

from flask_jwt_extended import current_user

from miniapp_api.moderation import admin_service
from miniapp_api.moderation.schemas import (
    ContentReviewPageSchema,
    ContentReviewSchema,
    ReviewArgsSchema,
)
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "admin_content_reviews",
    __name__,
    url_prefix="/api/v1/admin",
    description="Content security reviews",
)
OFFICERS = ("admin", "station_admin")


@blp.route("/content-reviews", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(ReviewArgsSchema, location="query")
@blp.response(200, ContentReviewPageSchema)
def list_reviews(args):
    """Texts WeChat held for review (or could not judge yet) in the officer's zones."""
    return admin_service.reviews(current_user, args.get("status"), args["page"], args["per_page"])


@blp.route("/content-reviews/<int:review_id>/clear", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, ContentReviewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REVIEW_DECIDED")
def clear(review_id):
    """Clear the text: others see it."""
    return admin_service.clear_review(review_id, current_user)


@blp.route("/content-reviews/<int:review_id>/reject", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, ContentReviewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REVIEW_DECIDED")
def reject(review_id):
    """Reject the text: the nickname becomes 微信用户, the event is cancelled, the
    organisation is replaced."""
    return admin_service.reject_review(review_id, current_user)
