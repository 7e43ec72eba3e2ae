"""Zone administration, promoter approvals and roles (`admin`; `station_admin` in its zones)."""

from flask_jwt_extended import current_user

from miniapp_api.web import Blueprint, login_required
from miniapp_api.zones import admin_service
from miniapp_api.zones.admin_schemas import (
    AdminApplicationPageSchema,
    AdminApplicationSchema,
    AdminEventArgsSchema,
    AdminEventPageSchema,
    ApplicationArgsSchema,
    DecisionSchema,
    RoleGrantSchema,
    UserRolesSchema,
    ZoneEventInputSchema,
    ZoneInputSchema,
    ZonePatchSchema,
)
from miniapp_api.zones.schemas import EventSchema, ZoneArgsSchema, ZoneListSchema, ZoneSchema

blp = Blueprint(
    "admin_zones", __name__, url_prefix="/api/v1/admin", description="Zones and promoters"
)
OFFICERS = ("admin", "station_admin")


@blp.route("/zones", methods=["POST"])
@login_required("admin")
@blp.arguments(ZoneInputSchema)
@blp.response(201, ZoneSchema)
def create_zone(payload):
    """Draw a zone; invalid geometry is a 422 naming the problem."""
    return admin_service.create_zone(payload, current_user)


@blp.route("/zones", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(ZoneArgsSchema, location="query")
@blp.response(200, ZoneListSchema)
def list_zones(args):
    """Every zone in the officer's reach, inactive ones included."""
    return admin_service.all_zones(current_user, args["geometry"], args["page"], args["per_page"])


@blp.route("/zones/<int:zone_id>", methods=["GET"])
@login_required(*OFFICERS)
@blp.response(200, ZoneSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_zone(zone_id):
    """One zone with its geometry (GCJ-02)."""
    return admin_service.zone_in_reach(current_user, zone_id)


@blp.route("/zones/<int:zone_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(ZonePatchSchema(partial=True))
@blp.response(200, ZoneSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_zone(payload, zone_id):
    """Rename, move or redraw a zone (a new `geometry` needs its `coord_type`)."""
    return admin_service.update_zone(zone_id, payload, current_user)


@blp.route("/zones/<int:zone_id>", methods=["DELETE"])
@login_required("admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_zone(zone_id):
    """Deactivate a zone (enrollments and points keep referring to it)."""
    admin_service.deactivate_zone(zone_id, current_user)


@blp.route("/promoter-applications", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(ApplicationArgsSchema, location="query")
@blp.response(200, AdminApplicationPageSchema)
def list_applications(args):
    """Applications in the officer's zones, newest first."""
    return admin_service.applications(
        current_user, args.get("status"), args["page"], args["per_page"]
    )


@blp.route("/promoter-applications/<int:application_id>/approve", methods=["POST"])
@login_required(*OFFICERS)
@blp.response(200, AdminApplicationSchema)
@blp.alt_response(409, response="CONFLICT", description="APPLICATION_DECIDED")
def approve(application_id):
    """Approve: the applicant becomes a promoter for that zone."""
    return admin_service.decide_application(application_id, True, None, current_user)


@blp.route("/promoter-applications/<int:application_id>/reject", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(DecisionSchema)
@blp.response(200, AdminApplicationSchema)
@blp.alt_response(409, response="CONFLICT", description="APPLICATION_DECIDED")
def reject(payload, application_id):
    """Reject with a reason the applicant sees."""
    return admin_service.decide_application(application_id, False, payload["reason"], current_user)


@blp.route("/users/<int:user_id>/roles", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(RoleGrantSchema)
@blp.response(200, UserRolesSchema)
@blp.alt_response(404, response="NOT_FOUND")
def grant_role(payload, user_id):
    """Grant a role; `promoter` and `station_admin` need `zone_ids` (a station admin
    grants `promoter` within its zones)."""
    return admin_service.grant_role(user_id, payload["role"], payload["zone_ids"], current_user)


@blp.route("/users/<int:user_id>/roles/<string:role>", methods=["DELETE"])
@login_required(*OFFICERS)
@blp.response(200, UserRolesSchema)
@blp.alt_response(404, response="NOT_FOUND")
def revoke_role(user_id, role):
    """Revoke a role (a promoter's codes stop working at once)."""
    return admin_service.revoke_role(user_id, role, current_user)


@blp.route("/events", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(AdminEventArgsSchema, location="query")
@blp.response(200, AdminEventPageSchema)
@blp.alt_response(404, response="NOT_FOUND", description="zone_id outside the officer's reach")
def list_events(args):
    """Events in the officer's zones, latest start first, with their check-in counts."""
    return admin_service.admin_events(
        current_user, args.get("status"), args.get("zone_id"), args["page"], args["per_page"]
    )


@blp.route("/events", methods=["POST"])
@login_required(*OFFICERS)
@blp.arguments(ZoneEventInputSchema)
@blp.response(201, EventSchema)
@blp.alt_response(404, response="NOT_FOUND", description="zone_id outside the officer's reach")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="EVENT_OUTSIDE_ZONE")
def create_event(payload):
    """An officer announces an event for a zone of its reach (organised by the officer)."""
    values = dict(payload)
    return admin_service.create_zone_event(values.pop("zone_id"), values, current_user)
