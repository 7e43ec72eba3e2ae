"""Subscriptions and broadcasts, as the API takes and returns them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.push.models import BROADCAST_STATUSES, RESULTS
from miniapp_api.users.models import AGE_GROUPS, OCCUPATIONS

ID = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class SubscriptionResultsSchema(ma.Schema):
    results = fields.Dict(
        required=True,
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.String(validate=validate.OneOf(RESULTS)),
        validate=validate.Length(min=1, max=20),
        metadata={"description": "What wx.requestSubscribeMessage answered, per template id"},
    )


class StandingSchema(ma.Schema):
    key = fields.String(required=True)
    template_id = fields.String(required=True)
    remaining = fields.Integer(required=True, metadata={"description": "Sends left"})
    long_term = fields.Boolean(required=True)


class StandingListSchema(ma.Schema):
    items = fields.List(fields.Nested(StandingSchema), required=True)


def _ids():
    return fields.List(ID, validate=validate.Length(max=200))


class BroadcastInputSchema(ma.Schema):
    alert_id = ID
    article_id = ID
    zone_ids = _ids()
    age_groups = fields.List(fields.String(validate=validate.OneOf(AGE_GROUPS)))
    occupations = fields.List(fields.String(validate=validate.OneOf(OCCUPATIONS)))
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=50)
    )

    @ma.validates_schema
    def one_message(self, data: dict, **_kwargs) -> None:
        if ("alert_id" in data) == ("article_id" in data):
            raise ma.ValidationError(
                "请指定一条预警（alert_id）或一篇文章（article_id）", "alert_id"
            )


class BroadcastQueuedSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(BROADCAST_STATUSES))
    targeted = fields.Integer(required=True)


class BroadcastSchema(BroadcastQueuedSchema):
    alert_id = fields.Integer(allow_none=True, required=True)
    article_id = fields.Integer(allow_none=True, required=True)
    filters = fields.Dict(required=True)
    sent = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    no_quota = fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    started_at = LocalDateTime(allow_none=True, required=True)
    finished_at = LocalDateTime(allow_none=True, required=True)
