"""Account administration (`admin`; `station_admin` for users in its reach): ban and unban."""

from flask_jwt_extended import current_user

from miniapp_api.users import admin_service
from miniapp_api.users.models import ACTIVE, BANNED
from miniapp_api.users.schemas import AdminUserStatusSchema, BanSchema, UnbanSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("admin_users", __name__, url_prefix="/api/v1/admin", description="Accounts")
OFFICERS = ("admin", "station_admin")


@blp.route("/users/<int:user_id>/ban", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(BanSchema)
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def ban_user(payload, user_id):
    """Ban a user with a reason: every token is refused at once; they leave the boards."""
    return admin_service.change_status(user_id, BANNED, current_user, payload["reason"])


@blp.route("/users/<int:user_id>/unban", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(UnbanSchema, required=False)
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def unban_user(payload, user_id):
    """Lift a ban: the user may log in again and returns to the leaderboards."""
    return admin_service.change_status(user_id, ACTIVE, current_user, payload.get("reason"))
