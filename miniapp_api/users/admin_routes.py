"""Account administration (`admin`): ban and unban."""

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from miniapp_api.users import admin_service
from miniapp_api.users.models import ACTIVE, BANNED
from miniapp_api.users.schemas import AdminUserStatusSchema
from miniapp_api.web import login_required

blp = Blueprint("admin_users", __name__, url_prefix="/api/v1/admin", description="Accounts")


@blp.route("/users/<int:user_id>/ban", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def ban_user(user_id):
    """Ban a user: every token is refused at once and they leave the leaderboards."""
    return admin_service.change_status(user_id, BANNED, current_user)


@blp.route("/users/<int:user_id>/unban", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def unban_user(user_id):
    """Lift a ban: the user may log in again and returns to the leaderboards."""
    return admin_service.change_status(user_id, ACTIVE, current_user)
