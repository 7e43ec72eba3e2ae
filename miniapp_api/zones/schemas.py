import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import Instant, LocalDateTime
from miniapp_api.web import PageArgsSchema, PageSchema
from miniapp_api.zones.models import APPLICATION_STATUSES, ZONE_KINDS

COORD_TYPES = ("wgs84", "gcj02")
LATITUDE = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
LONGITUDE = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)


class ZoneArgsSchema(PageArgsSchema):
    geometry = fields.Boolean(load_default=False, metadata={"description": "1: include GeoJSON"})


class ZoneSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    geometry = fields.Dict(metadata={"description": "GeoJSON in GCJ-02, or a Circle"})


class ZoneListSchema(PageSchema):
    items = fields.List(fields.Nested(ZoneSchema), required=True)


class ZoneInputSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=64))
    district = fields.String(required=True, validate=validate.Length(min=2, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(ZONE_KINDS))
    parent_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 2**31 - 1))
    coord_type = fields.String(required=True, validate=validate.OneOf(COORD_TYPES))
    geometry = fields.Dict(
        required=True,
        metadata={
            "description": "GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection, or "
            '{"type": "Circle", "center": [lng, lat], "radius_m": 300}'
        },
    )


class ZonePatchSchema(ZoneInputSchema):
    active = fields.Boolean()


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


class AdminApplicationSchema(ApplicationSchema):
    user_id = fields.Integer(required=True)
    nickname = fields.String(attribute="user.nickname", allow_none=True, required=True)


class AdminApplicationPageSchema(PageSchema):
    items = fields.List(fields.Nested(AdminApplicationSchema), required=True)


class ApplicationArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))


class DecisionSchema(ma.Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class QrArgsSchema(ma.Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "png", "svg")))


class RotateSchema(ma.Schema):
    expires_in_days = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(0, 3650)
    )


class CodeSchema(ma.Schema):
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


class EnrollResultSchema(ma.Schema):
    enrollment_id = fields.Integer(required=True)
    promoter = fields.Dict(required=True)
    zone = fields.Dict(required=True)
    decision = fields.String(required=True, metadata={"description": "inside or edge"})
    distance_to_edge_m = fields.Float(required=True)
    points_awarded = fields.Integer(required=True)


class VolunteerSchema(ma.Schema):
    user_id = fields.Integer(required=True)
    nickname = fields.String(allow_none=True, required=True)
    avatar_url = fields.String(allow_none=True, required=True)
    enrolled_at = LocalDateTime(required=True)
    qualified = fields.Boolean(required=True)
    points_this_week = fields.Integer(required=True)


class VolunteerPageSchema(PageSchema):
    items = fields.List(fields.Nested(VolunteerSchema), required=True)


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


class NearbyEventSchema(EventSchema):
    distance_m = fields.Integer(
        allow_none=True, required=True, metadata={"description": "With a location given"}
    )


class EventListSchema(ma.Schema):
    items = fields.List(fields.Nested(NearbyEventSchema), required=True)


class CheckinResultSchema(ma.Schema):
    event_id = fields.Integer(required=True)
    points_awarded = fields.Integer(required=True)
    distance_m = fields.Float(required=True)
    balance = fields.Integer(required=True)


class RoleGrantSchema(ma.Schema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(("volunteer", "promoter", "station_admin", "admin")),
    )
    zone_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1)),
        load_default=list,
        validate=validate.Length(max=100),
    )


class UserRolesSchema(ma.Schema):
    id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    zones = fields.List(fields.Dict(), required=True)
