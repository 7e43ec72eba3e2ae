"""Input and output of the zones domain: zones, applications, codes, enrollment, events
and roles with zones. Outputs dump the models and the services' dataclasses."""

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import Instant, LocalDateTime
from miniapp_api.web import PageArgsSchema, paginated
from miniapp_api.zones import geo
from miniapp_api.zones.models import APPLICATION_STATUSES, EVENT_STATES

COORD_TYPES = ("wgs84", "gcj02")
LATITUDE = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
LONGITUDE = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)


class FreeObject(fields.Dict):
    """An object dumped by `schema`, documented as a free-form object, as the document
    has always shown it (a `Nested` would add a component to the document)."""

    def __init__(self, schema: type[ma.Schema], **kwargs: Any):
        super().__init__(**kwargs)
        self.schema = schema()

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.schema.dump(value)


class StoredGeometry(fields.Dict):
    """A zone's stored shape (`Zone.shape`) as GeoJSON in GCJ-02, or a Circle."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else geo.stored_geojson(value)


class ZoneArgsSchema(PageArgsSchema):
    geometry = fields.Boolean(load_default=False, metadata={"description": "1: include GeoJSON"})


class ZoneSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    geometry = StoredGeometry(
        attribute="shape", metadata={"description": "GeoJSON in GCJ-02, or a Circle"}
    )


class ZoneListSchema(paginated(ZoneSchema, name="ZoneList")):
    """A `fences.ZonePage`: each zone's geometry only when the caller asked for it."""

    @ma.post_dump(pass_original=True)
    def geometry_when_asked(self, data: dict, page: Any, **_kwargs) -> dict:
        if not page.with_geometry:
            for item in data["items"]:
                item.pop("geometry", None)
        return data


class ApplicationInputSchema(ma.Schema):
    zone_id = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))
    real_name = fields.String(required=True, validate=validate.Length(min=2, max=32))
    phone = fields.String(
        required=True,
        validate=validate.Regexp(r"^1[3-9]\d{9}$", error="请填写 11 位手机号码"),
    )
    organisation = fields.String(required=True, validate=validate.Length(min=2, max=64))


class ApplicationSchema(ma.Schema):
    id = fields.Integer(required=True)
    zone_id = fields.Integer(required=True)
    zone_name = fields.String(attribute="zone.name", required=True)
    real_name = fields.String(required=True)
    phone = fields.String(required=True)
    organisation = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(APPLICATION_STATUSES))
    reason = fields.String(allow_none=True, required=True)
    created_at = LocalDateTime(required=True)
    decided_at = LocalDateTime(allow_none=True, required=True)


class ApplicationListSchema(ma.Schema):
    items = fields.List(fields.Nested(ApplicationSchema), required=True)


class QrArgsSchema(ma.Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "png", "svg")))


class RotateSchema(ma.Schema):
    expires_in_days = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 3650)
    )


class CodeSchema(ma.Schema):
    """A `codes.PromoterCode`."""

    scene = fields.String(required=True)
    zone_id = fields.Integer(required=True)
    enroll_url = fields.String(required=True)
    image_url = fields.String(required=True)
    expires_at = LocalDateTime(allow_none=True, required=True)
    kind = fields.String(required=True, metadata={"description": "wxacode or qrcode"})


class LocationSchema(ma.Schema):
    latitude = LATITUDE
    longitude = LONGITUDE
    coord_type = fields.String(required=True, validate=validate.OneOf(COORD_TYPES))
    accuracy = fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(0, 100_000),
        metadata={"description": "Metres, as wx.getLocation reports it"},
    )


class EnrollSchema(LocationSchema):
    scene = fields.String(required=True, validate=validate.Length(min=1, max=32))


class PromoterRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    nickname = fields.String(allow_none=True, required=True)


class ZoneRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class EnrollResultSchema(ma.Schema):
    """An `enrollment.Enrolled`."""

    enrollment_id = fields.Integer(required=True)
    promoter = FreeObject(PromoterRefSchema, required=True)
    zone = FreeObject(ZoneRefSchema, required=True)
    decision = fields.String(required=True, metadata={"description": "inside or edge"})
    distance_to_edge_m = fields.Float(required=True)
    points_awarded = fields.Integer(required=True)


class VolunteerSchema(ma.Schema):
    """A `volunteers.Volunteer`."""

    user_id = fields.Integer(required=True)
    nickname = fields.String(allow_none=True, required=True)
    avatar_url = fields.String(allow_none=True, required=True)
    enrolled_at = LocalDateTime(required=True)
    qualified = fields.Boolean(required=True)
    points_this_week = fields.Integer(required=True)


VolunteerPageSchema = paginated(VolunteerSchema)


class EventInputSchema(ma.Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=64))
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    place_name = fields.String(allow_none=True, validate=validate.Length(max=64))
    latitude = LATITUDE
    longitude = LONGITUDE
    coord_type = fields.String(required=True, validate=validate.OneOf(COORD_TYPES))
    radius_m = fields.Integer(strict=True, required=True, validate=validate.Range(20, 5000))
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)


class EventPatchSchema(EventInputSchema):
    """The fields of an event, each optional (used with `partial=True`); a new centre
    needs `latitude`, `longitude` and `coord_type` together."""


class EventCancelSchema(ma.Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class EventArgsSchema(ma.Schema):
    latitude = fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    longitude = fields.Float(validate=validate.Range(-180, 180), allow_nan=False)
    coord_type = fields.String(load_default="gcj02", validate=validate.OneOf(COORD_TYPES))
    within_km = fields.Float(load_default=10.0, validate=validate.Range(0.1, 100))


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True, required=True)
    place_name = fields.String(allow_none=True, required=True)
    zone_id = fields.Integer(required=True)
    promoter_id = fields.Integer(required=True)
    latitude = fields.Float(attribute="lat", required=True, metadata={"description": "GCJ-02"})
    longitude = fields.Float(attribute="lng", required=True, metadata={"description": "GCJ-02"})
    radius_m = fields.Integer(required=True)
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    status = fields.String(attribute="state", required=True, validate=validate.OneOf(EVENT_STATES))
    cancelled = fields.Boolean(required=True)
    cancelled_at = LocalDateTime(allow_none=True, required=True)
    cancel_reason = fields.String(allow_none=True, required=True)


class NearbyEventSchema(EventSchema):
    """An `events.NearbyEvent`: the event's fields, and its distance."""

    distance_m = fields.Integer(
        allow_none=True, required=True, metadata={"description": "With a location given"}
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr == "distance_m" else obj.event
        return super().get_attribute(source, attr, default)


class EventListSchema(ma.Schema):
    items = fields.List(fields.Nested(NearbyEventSchema), required=True)


class CheckinResultSchema(ma.Schema):
    """An `events.CheckIn`."""

    event_id = fields.Integer(required=True)
    points_awarded = fields.Integer(required=True)
    distance_m = fields.Float(required=True)
    balance = fields.Integer(required=True)
