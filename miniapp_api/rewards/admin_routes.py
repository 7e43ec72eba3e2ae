"""Reward administration: the catalogue (`admin`) and the pickup desk (`admin`, or a
`station_admin` for the redemptions of its zones)."""

from flask_jwt_extended import current_user

from miniapp_api.rewards import admin_service
from miniapp_api.rewards.schemas import (
    AdminRedemptionPageSchema,
    AdminRedemptionSchema,
    AdminRewardPageSchema,
    AdminRewardSchema,
    RedemptionFilterSchema,
    RewardInputSchema,
    RewardPatchSchema,
)
from miniapp_api.web import Blueprint, PageArgsSchema, login_required

blp = Blueprint("admin_rewards", __name__, url_prefix="/api/v1/admin", description="Rewards")
OFFICERS = ("admin", "station_admin")


@blp.route("/rewards", methods=["GET"])
@login_required("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AdminRewardPageSchema)
def list_rewards(args):
    """Every reward, active or not, newest first."""
    return admin_service.all_rewards(args["page"], args["per_page"])


@blp.route("/rewards", methods=["POST"])
@login_required("admin")
@blp.arguments(RewardInputSchema)
@blp.response(201, AdminRewardSchema)
def create_reward(payload):
    """Add a reward to the catalogue."""
    return admin_service.create_reward(payload, current_user)


@blp.route("/rewards/<int:reward_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(RewardPatchSchema(partial=True))
@blp.response(200, AdminRewardSchema)
def update_reward(payload, reward_id):
    """Change a reward (set `active: false` to withdraw it; redemptions keep it)."""
    return admin_service.update_reward(reward_id, payload, current_user)


@blp.route("/rewards/<int:reward_id>", methods=["DELETE"])
@login_required("admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REWARD_IN_USE")
def delete_reward(reward_id):
    """Delete a reward that was never redeemed (otherwise withdraw it with PATCH)."""
    admin_service.delete_reward(reward_id, current_user)


@blp.route("/redemptions", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(RedemptionFilterSchema, location="query")
@blp.response(200, AdminRedemptionPageSchema)
def list_redemptions(args):
    """Redemptions of the officer's zones, newest first; `code` finds one by pickup code."""
    return admin_service.redemptions(
        current_user, args.get("status"), args.get("code"), args["page"], args["per_page"]
    )


@blp.route("/redemptions/<int:redemption_id>/fulfil", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, AdminRedemptionSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REDEMPTION_NOT_PENDING")
def fulfil_redemption(redemption_id):
    """Mark a pending redemption as picked up."""
    return admin_service.fulfil(redemption_id, current_user)


@blp.route("/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, AdminRedemptionSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="REDEMPTION_NOT_PENDING")
def cancel_redemption(redemption_id):
    """Cancel a pending redemption: the points and the stock are given back."""
    return admin_service.cancel(redemption_id, current_user)
