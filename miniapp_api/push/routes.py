"""The caller's subscription messages: what the mini-program's request answered, and
the sends left per template (so it knows when to ask again)."""

from flask_jwt_extended import current_user

from miniapp_api.push import service
from miniapp_api.push.schemas import StandingListSchema, SubscriptionResultsSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("push", __name__, url_prefix="/api/v1/me/message-subscriptions", description="Push")


@blp.route("", methods=["GET"])
@login_required()
@blp.response(200, StandingListSchema)
def list_subscriptions():
    """Every template with the caller's sends left."""
    return {"items": service.standings(current_user)}


@blp.route("", methods=["POST"])
@login_required()
@blp.arguments(SubscriptionResultsSchema)
@blp.response(200, StandingListSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="an unknown template id")
def record_subscriptions(payload):
    """Record what wx.requestSubscribeMessage answered; each accept adds one send."""
    return {"items": service.record_results(current_user, payload["results"])}
