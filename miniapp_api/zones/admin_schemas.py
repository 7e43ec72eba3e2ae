"""Input and output of the zones domain's administration: drawing zones, deciding
applications, roles with zones and the officers' list of events."""

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.web import PageArgsSchema, paginated
from miniapp_api.zones.models import APPLICATION_STATUSES, EVENT_STATES, ZONE_KINDS
from miniapp_api.zones.schemas import (
    COORD_TYPES,
    ApplicationSchema,
    EventInputSchema,
    EventSchema,
    FreeObject,
)


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


class AdminApplicationSchema(ApplicationSchema):
    user_id = fields.Integer(required=True)
    nickname = fields.String(attribute="user.nickname", allow_none=True, required=True)


AdminApplicationPageSchema = paginated(AdminApplicationSchema)


class ApplicationArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))


class DecisionSchema(ma.Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class AdminEventArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(EVENT_STATES))
    zone_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))


class ZoneEventInputSchema(EventInputSchema):
    """An officer's event: the fields of a promoter's, and the zone it is for."""

    zone_id = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))


class AdminEventSchema(EventSchema):
    """An `event_admin.AdminEvent`: the event's fields, and its number of check-ins."""

    checkin_count = fields.Integer(required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr == "checkin_count" else obj.event
        return super().get_attribute(source, attr, default)


AdminEventPageSchema = paginated(AdminEventSchema)


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


class RoleZoneSchema(ma.Schema):
    role = fields.String(required=True)
    zone_id = fields.Integer(required=True)


class UserRolesSchema(ma.Schema):
    """An `admin_service.UserRoles`."""

    id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    zones = fields.List(FreeObject(RoleZoneSchema), required=True)
