"""Scan-to-sign-in from the mini-program: a staff member confirms the ticket the console's
sign-in page shows as a code."""

from flask_jwt_extended import current_user

from miniapp_api.staff import service
from miniapp_api.staff.schemas import ConsoleLoginSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "console_logins",
    __name__,
    url_prefix="/api/v1/console-logins",
    description="Scan-to-sign-in for the police console",
)


@blp.route("/<string:ticket>/confirm", methods=["POST"])
@login_required()
@blp.response(200, ConsoleLoginSchema)
@blp.alt_response(403, response="FORBIDDEN", description="NOT_STAFF")
@blp.alt_response(404, response="NOT_FOUND", description="LOGIN_TICKET_INVALID")
@blp.alt_response(410, response="GONE", description="LOGIN_TICKET_EXPIRED")
def confirm(ticket):
    """Sign the caller (admin or station_admin) in to the console page showing this code."""
    return service.confirm_ticket(ticket, current_user)
