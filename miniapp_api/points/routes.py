"""The caller's points, the rules, and the daily check-in."""

from flask import current_app
from flask_jwt_extended import current_user

from miniapp_api.limits import limited
from miniapp_api.points import service
from miniapp_api.points.schemas import CheckinSchema, PointsHistorySchema, RulesSchema
from miniapp_api.web import Blueprint, PageArgsSchema, login_required

blp = Blueprint("points", __name__, url_prefix="/api/v1", description="Points and check-in")


@blp.route("/me/points", methods=["GET"])
@login_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, PointsHistorySchema)
def my_points(args):
    """The caller's balance, points ever earned, and ledger rows, newest first."""
    return service.history(current_user, args["page"], args["per_page"])


@blp.route("/points/rules", methods=["GET"])
@blp.response(200, RulesSchema)
def points_rules():
    """What each activity earns and its daily cap."""
    return {"timezone": current_app.config["TIMEZONE"], "rules": list(service.rules().values())}


@blp.route("/me/checkin", methods=["POST"])
@login_required()
@limited("checkin")
@blp.response(200, CheckinSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(409, response="CONFLICT", description="ALREADY_CHECKED_IN")
def check_in():
    """Today's check-in (once a day; a bonus every 7th consecutive day)."""
    return service.check_in(current_user)
