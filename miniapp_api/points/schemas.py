import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.web import paginated


class PointsEntrySchema(ma.Schema):
    delta = fields.Integer(required=True)
    reason = fields.String(required=True)
    ref = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = LocalDateTime(required=True)


class PointsHistorySchema(paginated(PointsEntrySchema)):
    balance = fields.Integer(required=True)
    earned_total = fields.Integer(
        required=True, metadata={"description": "Points ever earned by taking part"}
    )


class RuleSchema(ma.Schema):
    reason = fields.String(required=True)
    name = fields.String(required=True)
    points = fields.Integer(required=True)
    daily_cap = fields.Integer(allow_none=True, required=True)
    cap_unit = fields.String(required=True, validate=validate.OneOf(["points", "times"]))
    description = fields.String(required=True)


class RulesSchema(ma.Schema):
    timezone = fields.String(required=True)
    rules = fields.List(fields.Nested(RuleSchema), required=True)


class CheckinSchema(ma.Schema):
    date = fields.Date(required=True)
    streak = fields.Integer(required=True)
    points_awarded = fields.Integer(required=True)
    balance = fields.Integer(required=True)


class AdjustSchema(ma.Schema):
    delta = fields.Integer(
        strict=True,
        required=True,
        validate=[
            validate.Range(-100_000, 100_000),
            validate.NoneOf([0], error="调整的积分不能为 0"),
        ],
    )
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class AdjustResultSchema(ma.Schema):
    user_id = fields.Integer(required=True)
    delta = fields.Integer(required=True)
    reason = fields.String(required=True, attribute="note")
    balance = fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
