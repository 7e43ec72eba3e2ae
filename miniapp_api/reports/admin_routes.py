"""Statistics and exports (`admin`; `station_admin` within its reach)."""

from flask_jwt_extended import current_user

from miniapp_api.reports import service
from miniapp_api.reports.schemas import RangeArgsSchema, StatsSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/admin",
    description="Statistics and exports for police stations",
)
OFFICERS = ("admin", "station_admin")


@blp.route("/stats", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(RangeArgsSchema, location="query")
@blp.response(200, StatsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def stats(args):
    """Figures per day and per zone, top articles, weakest fraud types, most-missed questions."""
    return service.statistics(current_user, **args)
