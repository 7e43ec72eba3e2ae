"""Administration (`admin` city-wide). Views call other domains' services only."""

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from miniapp_api.auth.decorators import login_required
from miniapp_api.idempotency import idempotency_key
from miniapp_api.points import service as points
from miniapp_api.points.schemas import AdjustResultSchema, AdjustSchema

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.route("/users/<int:user_id>/points", methods=["POST"])
@login_required("admin")
@blp.arguments(AdjustSchema)
@blp.response(201, AdjustResultSchema)
@blp.alt_response(409, response="CONFLICT", description="INSUFFICIENT_POINTS")
def adjust_points(payload, user_id):
    """Add or remove a user's points, with a mandatory reason (Idempotency-Key honoured)."""
    return points.adjust_for_admin(
        user_id, payload["delta"], payload["reason"], current_user, idempotency_key()
    )
