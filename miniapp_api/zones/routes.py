"""Zones, promoter applications and codes, enrollment, events."""

from flask import Response
from flask_jwt_extended import current_user

from miniapp_api.limits import limited
from miniapp_api.web import Blueprint, PageArgsSchema, login_required
from miniapp_api.zones import service
from miniapp_api.zones.schemas import (
    ApplicationInputSchema,
    ApplicationListSchema,
    ApplicationSchema,
    CheckinResultSchema,
    CodeSchema,
    EnrollResultSchema,
    EnrollSchema,
    EventArgsSchema,
    EventCancelSchema,
    EventInputSchema,
    EventListSchema,
    EventPatchSchema,
    EventSchema,
    LocationSchema,
    QrArgsSchema,
    RotateSchema,
    VolunteerPageSchema,
    ZoneArgsSchema,
    ZoneListSchema,
)

# The code as JSON, or with `format=png|svg` as an image.
QR_IMAGES = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Code"}},
    **{
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("image/png", "image/svg+xml")
    },
}

blp = Blueprint("zones", __name__, url_prefix="/api/v1", description="Zones and enrollment")


@blp.route("/zones", methods=["GET"])
@blp.arguments(ZoneArgsSchema, location="query")
@blp.response(200, ZoneListSchema)
def list_zones(args):
    """Active zones by district and name; with `?geometry=1` each with its fence as GeoJSON
    (GCJ-02)."""
    return service.list_zones(args["geometry"], args["page"], args["per_page"])


@blp.route("/promoter-applications", methods=["POST"])
@login_required()
@limited("application")
@blp.arguments(ApplicationInputSchema)
@blp.response(201, ApplicationSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(409, response="CONFLICT", description="APPLICATION_PENDING")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="CONTENT_RISKY")
def apply(payload):
    """Apply to become a promoter (宣传员) for a zone."""
    return service.apply(current_user, payload)


@blp.route("/promoter-applications/mine", methods=["GET"])
@login_required()
@blp.response(200, ApplicationListSchema)
def my_applications():
    """The caller's applications, newest first."""
    return {"items": service.my_applications(current_user)}


@blp.route("/promoter/qrcode", methods=["GET"])
@login_required("promoter")
@blp.arguments(QrArgsSchema, location="query")
@blp.response(200, CodeSchema)
@blp.doc(responses={"200": {"description": "OK", "content": QR_IMAGES}})
@blp.alt_response(503, response="SERVICE_UNAVAILABLE", description="WECHAT_UNAVAILABLE")
def qrcode(args):
    """The caller's enrollment code: JSON, or the image (`format=png|svg`)."""
    if args["format"] == "json":
        return service.current_code(current_user)
    image = service.code_image(current_user, args["format"])
    return Response(
        image.data, mimetype=image.mimetype, headers={"Cache-Control": "private, max-age=300"}
    )


@blp.route("/promoter/qrcode/rotate", methods=["POST"])
@login_required("promoter")
@blp.arguments(RotateSchema)
@blp.response(201, CodeSchema)
def rotate(payload):
    """Revoke the current code and issue a new one (optionally expiring)."""
    return service.rotate_code(current_user, payload["expires_in_days"])


@blp.route("/enrollments", methods=["POST"])
@login_required()
@limited("enroll_user", "enroll_code")
@blp.arguments(EnrollSchema)
@blp.response(201, EnrollResultSchema)
@blp.alt_response(404, response="NOT_FOUND", description="QR_INVALID")
@blp.alt_response(410, response="GONE", description="QR_EXPIRED")
@blp.alt_response(403, response="FORBIDDEN", description="OUTSIDE_ZONE")
@blp.alt_response(409, response="CONFLICT", description="ALREADY_ENROLLED, SELF_ENROLLMENT")
@blp.alt_response(
    422, response="UNPROCESSABLE_ENTITY", description="LOCATION_INACCURATE, LOCATION_IMPLAUSIBLE"
)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
def enroll(payload):
    """Become a volunteer by scanning a promoter's code inside the promoter's zone."""
    return service.enroll(current_user, payload)


@blp.route("/promoter/volunteers", methods=["GET"])
@login_required("promoter")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, VolunteerPageSchema)
def volunteers(args):
    """The caller's volunteers, newest first, with their points this week."""
    return service.my_volunteers(current_user, args["page"], args["per_page"])


@blp.route("/events", methods=["POST"])
@login_required("promoter")
@limited("event_create")
@blp.arguments(EventInputSchema)
@blp.response(201, EventSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(
    422, response="UNPROCESSABLE_ENTITY", description="EVENT_OUTSIDE_ZONE, CONTENT_RISKY"
)
def create_event(payload):
    """A promoter announces an outreach event: a place (circle) and a time window."""
    return service.create_event(current_user, payload)


@blp.route("/events", methods=["GET"])
@blp.arguments(EventArgsSchema, location="query")
@blp.response(200, EventListSchema)
def list_events(args):
    """Current and upcoming events; with a location, those within `within_km`, nearest first."""
    return {"items": service.events_nearby(args)}


@blp.route("/events/<int:event_id>", methods=["GET"])
@blp.response(200, EventSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_event(event_id):
    """One event; a cancelled one too (`cancelled: true`, with when and why); one held for
    content review is 404 until an officer clears it."""
    return service.public_event(event_id)


@blp.route("/events/<int:event_id>", methods=["PATCH"])
@login_required()
@blp.arguments(EventPatchSchema(partial=True))
@blp.response(200, EventSchema)
@blp.alt_response(404, response="NOT_FOUND", description="not the organiser nor an officer")
@blp.alt_response(409, response="CONFLICT", description="EVENT_CANCELLED")
@blp.alt_response(
    422, response="UNPROCESSABLE_ENTITY", description="EVENT_OUTSIDE_ZONE, CONTENT_RISKY"
)
def update_event(payload, event_id):
    """The organiser, or an officer of the event's zone, edits an event."""
    return service.update_event(event_id, payload, current_user)


@blp.route("/events/<int:event_id>", methods=["DELETE"])
@login_required()
@blp.arguments(EventCancelSchema, required=False)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND", description="not the organiser nor an officer")
def cancel_event(payload, event_id):
    """Cancel an event (optional `reason`); its check-ins and their points stay."""
    service.cancel_event(event_id, payload["reason"], current_user)


@blp.route("/events/<int:event_id>/checkins", methods=["POST"])
@login_required()
@limited("event_checkin")
@blp.arguments(LocationSchema)
@blp.response(201, CheckinResultSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(403, response="FORBIDDEN", description="OUTSIDE_EVENT, not a volunteer")
@blp.alt_response(
    409, response="CONFLICT", description="EVENT_NOT_OPEN, EVENT_CANCELLED, ALREADY_CHECKED_IN"
)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="LOCATION_INACCURATE")
def check_in(payload, event_id):
    """A volunteer checks in on site, inside the time window and the circle, once."""
    return service.check_in_event(current_user, event_id, payload)
