"""Targeted warnings: an `admin` anywhere, a `station_admin` within its zones."""

from flask_jwt_extended import current_user

from miniapp_api.push import service
from miniapp_api.push.schemas import BroadcastInputSchema, BroadcastQueuedSchema, BroadcastSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("admin_push", __name__, url_prefix="/api/v1/admin", description="Push")
OFFICERS = ("admin", "station_admin")


@blp.route("/broadcasts", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(BroadcastInputSchema)
@blp.response(202, BroadcastQueuedSchema)
@blp.alt_response(404, response="NOT_FOUND")
def create_broadcast(payload):
    """Push a published warning or article to the users the filters select (with quota)."""
    return service.create_broadcast(payload, current_user)


@blp.route("/broadcasts/<int:broadcast_id>", methods=["GET"])
@login_required(*OFFICERS)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_broadcast(broadcast_id):
    """A broadcast's progress: queued, sending, done or cancelled, and its counts."""
    return service.get_broadcast(broadcast_id, current_user)


@blp.route("/broadcasts/<int:broadcast_id>/cancel", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def cancel_broadcast(broadcast_id):
    """Stop the batches not yet sent."""
    return service.cancel_broadcast(broadcast_id, current_user)
