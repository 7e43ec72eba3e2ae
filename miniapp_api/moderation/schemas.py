"""The review queue's input and output."""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.moderation.models import KINDS, REVIEW_STATUSES
from miniapp_api.web import PageArgsSchema, paginated


class ReviewArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES))


class ContentReviewSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={
            "description": "nickname (subject: the user), event, organisation (an application)"
        },
    )
    subject_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True, metadata={"description": "Who wrote the text"})
    zone_id = fields.Integer(allow_none=True, required=True)
    text = fields.String(required=True, metadata={"description": "The text under review"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(REVIEW_STATUSES),
        metadata={
            "description": "pending: WeChat could not judge yet (shown); review: "
            "held (hidden from others); cleared; rejected"
        },
    )
    created_at = LocalDateTime(required=True)
    decided_at = LocalDateTime(allow_none=True, required=True)
    decided_by_id = fields.Integer(allow_none=True, required=True)


ContentReviewPageSchema = paginated(ContentReviewSchema)
