import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import Instant, LocalDateTime
from miniapp_api.rewards.models import REDEMPTION_STATUSES
from miniapp_api.web import PageArgsSchema, paginated


class RewardSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    image_url = fields.String(allow_none=True)
    points_cost = fields.Integer(required=True)
    stock = fields.Integer(required=True)
    per_user_limit = fields.Integer(allow_none=True, required=True)
    starts_at = LocalDateTime(allow_none=True)
    ends_at = LocalDateTime(allow_none=True)


class AdminRewardSchema(RewardSchema):
    active = fields.Boolean(required=True)


class RewardInputSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    image_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=512))
    points_cost = fields.Integer(strict=True, required=True, validate=validate.Range(1, 1_000_000))
    stock = fields.Integer(strict=True, required=True, validate=validate.Range(0, 1_000_000))
    per_user_limit = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 1000))
    active = fields.Boolean(load_default=True)
    starts_at = Instant(allow_none=True)
    ends_at = Instant(allow_none=True)

    @ma.validates_schema
    def window_in_order(self, data, **_kwargs):
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise ma.ValidationError("结束时间必须晚于开始时间", "ends_at")


class RedemptionRewardSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RedemptionSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "Pickup code"})
    status = fields.String(required=True, validate=validate.OneOf(REDEMPTION_STATUSES))
    points_cost = fields.Integer(required=True)
    reward = fields.Nested(RedemptionRewardSchema, required=True)
    created_at = LocalDateTime(required=True)
    decided_at = LocalDateTime(allow_none=True)


class AdminRedemptionSchema(RedemptionSchema):
    user_id = fields.Integer(required=True)
    zone_id = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The redeeming user's zone at the time"},
    )


class RedemptionFilterSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(REDEMPTION_STATUSES))
    code = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={"description": "A pickup code (case and surrounding spaces ignored)"},
    )


class RewardPatchSchema(RewardInputSchema):
    """The same fields, each optional (used with `partial=True`)."""


RewardPageSchema = paginated(RewardSchema)
AdminRewardPageSchema = paginated(AdminRewardSchema)
RedemptionPageSchema = paginated(RedemptionSchema)
AdminRedemptionPageSchema = paginated(AdminRedemptionSchema)
