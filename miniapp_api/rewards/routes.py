"""The reward catalogue and redeeming."""

from flask_jwt_extended import current_user

from miniapp_api.limits import limited
from miniapp_api.rewards import service
from miniapp_api.rewards.schemas import RedemptionPageSchema, RedemptionSchema, RewardPageSchema
from miniapp_api.web import Blueprint, PageArgsSchema, idempotency_key, login_required

blp = Blueprint("rewards", __name__, url_prefix="/api/v1", description="Rewards and redemptions")


@blp.route("/rewards", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RewardPageSchema)
def list_rewards(args):
    """Rewards that can be redeemed now, cheapest first."""
    return service.catalogue(args["page"], args["per_page"])


@blp.route("/rewards/<int:reward_id>/redeem", methods=["POST"])
@login_required()
@limited("redeem")
@blp.response(201, RedemptionSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(
    409,
    response="CONFLICT",
    description="INSUFFICIENT_POINTS, OUT_OF_STOCK, LIMIT_REACHED, REWARD_UNAVAILABLE",
)
@blp.alt_response(404, response="NOT_FOUND")
def redeem(reward_id):
    """Take the points and one unit of stock; returns the pickup code (Idempotency-Key honoured)."""
    return service.redeem(current_user, reward_id, idempotency_key())


@blp.route("/me/redemptions", methods=["GET"])
@login_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RedemptionPageSchema)
def my_redemptions(args):
    """The caller's redemptions and their state, newest first."""
    return service.my_redemptions(current_user, args["page"], args["per_page"])
