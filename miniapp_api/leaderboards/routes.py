"""The leaderboards: volunteers, promoters and zones."""

from flask_jwt_extended import current_user

from miniapp_api.leaderboards import service
from miniapp_api.leaderboards.schemas import (
    BoardArgsSchema,
    PromoterBoardSchema,
    VolunteerBoardSchema,
    ZoneBoardArgsSchema,
    ZoneBoardSchema,
)
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("leaderboards", __name__, url_prefix="/api/v1", description="Leaderboards")


def _board(name: str, args: dict) -> dict:
    return service.leaderboard(
        name,
        args["period"],
        zone_id=args.get("zone_id"),
        limit=args["limit"],
        around=args["around"],
        user_id=current_user.id,
    )


@blp.route("/leaderboards/volunteers", methods=["GET"])
@login_required()
@blp.arguments(BoardArgsSchema, location="query")
@blp.response(200, VolunteerBoardSchema)
@blp.alt_response(404, response="NOT_FOUND", description="unknown zone_id")
def volunteers(args):
    """Volunteers by points earned this week, this month or ever; city-wide or in one zone."""
    return _board("volunteers", args)


@blp.route("/leaderboards/promoters", methods=["GET"])
@login_required()
@blp.arguments(BoardArgsSchema, location="query")
@blp.response(200, PromoterBoardSchema)
@blp.alt_response(404, response="NOT_FOUND", description="unknown zone_id")
def promoters(args):
    """Promoters by points earned in the period, each with how many volunteers they enrolled."""
    return _board("promoters", args)


@blp.route("/leaderboards/zones", methods=["GET"])
@login_required()
@blp.arguments(ZoneBoardArgsSchema, location="query")
@blp.response(200, ZoneBoardSchema)
def zones(args):
    """Zones by the points their volunteers earned in the period."""
    return service.zone_board(args["period"], args["limit"])
