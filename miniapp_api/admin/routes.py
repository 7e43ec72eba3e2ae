"""Administration (`admin` city-wide). Views call other domains' services only."""

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from miniapp_api.auth.decorators import login_required
from miniapp_api.idempotency import idempotency_key
from miniapp_api.pagination import PageArgsSchema
from miniapp_api.points import service as points
from miniapp_api.points.schemas import AdjustResultSchema, AdjustSchema
from miniapp_api.rewards import service as rewards
from miniapp_api.rewards.schemas import (
    AdminRedemptionPageSchema,
    AdminRedemptionSchema,
    AdminRewardPageSchema,
    AdminRewardSchema,
    RedemptionFilterSchema,
    RewardInputSchema,
    RewardPatchSchema,
)
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE, BANNED
from miniapp_api.users.schemas import AdminUserStatusSchema

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


@blp.route("/rewards", methods=["GET"])
@login_required("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AdminRewardPageSchema)
def list_rewards(args):
    """Every reward, active or not, newest first."""
    return rewards.all_rewards(args["page"], args["per_page"])


@blp.route("/rewards", methods=["POST"])
@login_required("admin")
@blp.arguments(RewardInputSchema)
@blp.response(201, AdminRewardSchema)
def create_reward(payload):
    """Add a reward to the catalogue."""
    return rewards.create_reward(payload)


@blp.route("/rewards/<int:reward_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(RewardPatchSchema(partial=True))
@blp.response(200, AdminRewardSchema)
def update_reward(payload, reward_id):
    """Change a reward (set `active: false` to withdraw it; redemptions keep it)."""
    return rewards.update_reward(reward_id, payload)


@blp.route("/rewards/<int:reward_id>", methods=["DELETE"])
@login_required("admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REWARD_IN_USE")
def delete_reward(reward_id):
    """Delete a reward that was never redeemed (otherwise withdraw it with PATCH)."""
    rewards.delete_reward(reward_id)


@blp.route("/users/<int:user_id>/ban", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def ban_user(user_id):
    """Ban a user: every token is refused at once and they leave the leaderboards."""
    return users.change_status(user_id, BANNED, current_user)


@blp.route("/users/<int:user_id>/unban", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminUserStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def unban_user(user_id):
    """Lift a ban: the user may log in again and returns to the leaderboards."""
    return users.change_status(user_id, ACTIVE, current_user)


@blp.route("/redemptions", methods=["GET"])
@login_required("admin")
@blp.arguments(RedemptionFilterSchema, location="query")
@blp.response(200, AdminRedemptionPageSchema)
def list_redemptions(args):
    """Redemptions, optionally by status, newest first."""
    return rewards.redemptions(args.get("status"), args["page"], args["per_page"])


@blp.route("/redemptions/<int:redemption_id>/fulfil", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminRedemptionSchema)
@blp.alt_response(409, response="CONFLICT", description="REDEMPTION_NOT_PENDING")
def fulfil_redemption(redemption_id):
    """Mark a pending redemption as picked up."""
    return rewards.fulfil(redemption_id, current_user)


@blp.route("/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@login_required("admin")
@blp.response(200, AdminRedemptionSchema)
@blp.alt_response(409, response="CONFLICT", description="REDEMPTION_NOT_PENDING")
def cancel_redemption(redemption_id):
    """Cancel a pending redemption: the points and the stock are given back."""
    return rewards.cancel(redemption_id, current_user)
