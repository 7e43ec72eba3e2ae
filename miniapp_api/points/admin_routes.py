"""Points administration (`admin`; `station_admin` for users in its reach): corrections
with a reason."""

from flask_jwt_extended import current_user

from miniapp_api.points import admin_service
from miniapp_api.points.schemas import AdjustResultSchema, AdjustSchema
from miniapp_api.web import Blueprint, idempotency_key, login_required

blp = Blueprint("admin_points", __name__, url_prefix="/api/v1/admin", description="Points")


@blp.route("/users/<int:user_id>/points", methods=["POST"])
@login_required("admin", "station_admin")
@blp.arguments(AdjustSchema)
@blp.response(201, AdjustResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="INSUFFICIENT_POINTS")
def adjust_points(payload, user_id):
    """Add or remove a user's points, with a mandatory reason (Idempotency-Key honoured)."""
    return admin_service.adjust(
        user_id, payload["delta"], payload["reason"], current_user, idempotency_key()
    )
