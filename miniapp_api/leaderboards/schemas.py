import marshmallow as ma
from marshmallow import fields, validate

PERIODS = ("week", "month", "all")


class BoardArgsSchema(ma.Schema):
    period = fields.String(load_default="week", validate=validate.OneOf(PERIODS))
    zone_id = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    limit = fields.Integer(strict=False, load_default=20, validate=validate.Range(min=1, max=100))
    around = fields.Integer(strict=False, load_default=0, validate=validate.Range(min=0, max=50))


class ZoneBoardArgsSchema(ma.Schema):
    period = fields.String(load_default="week", validate=validate.OneOf(PERIODS))
    limit = fields.Integer(strict=False, load_default=20, validate=validate.Range(min=1, max=100))


class MemberSchema(ma.Schema):
    rank = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    nickname = fields.String(allow_none=True, required=True)
    avatar_url = fields.String(allow_none=True, required=True)
    score = fields.Integer(required=True, metadata={"description": "Points earned in the period"})


class PromoterSchema(MemberSchema):
    volunteer_count = fields.Integer(required=True)


class MeSchema(ma.Schema):
    rank = fields.Integer(required=True)
    score = fields.Integer(required=True)


class _BoardSchema(ma.Schema):
    @ma.post_dump
    def drop_unasked_around(self, data: dict, **_kwargs) -> dict:
        """`around` is there only when the caller asked for it."""
        if data.get("around") is None:
            data.pop("around", None)
        return data


def _board_schema(name: str, member: type[ma.Schema]) -> type[ma.Schema]:
    return type(
        f"{name}Schema",
        (_BoardSchema,),
        {
            "period": fields.String(required=True),
            "zone_id": fields.Integer(allow_none=True, required=True),
            "items": fields.List(fields.Nested(member), required=True),
            "me": fields.Nested(
                MeSchema,
                allow_none=True,
                required=True,
                metadata={"description": "The caller, or null when not on this board"},
            ),
            "around": fields.List(
                fields.Nested(member),
                metadata={"description": "With ?around=N: N members above and below the caller"},
            ),
        },
    )


VolunteerBoardSchema = _board_schema("VolunteerBoard", MemberSchema)
PromoterBoardSchema = _board_schema("PromoterBoard", PromoterSchema)


class ZoneItemSchema(ma.Schema):
    rank = fields.Integer(required=True)
    zone_id = fields.Integer(required=True)
    name = fields.String(allow_none=True, required=True)
    score = fields.Integer(required=True)


class ZoneBoardSchema(ma.Schema):
    period = fields.String(required=True)
    items = fields.List(fields.Nested(ZoneItemSchema), required=True)
