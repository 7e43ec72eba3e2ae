"""User profile schemas. Loading schemas list exactly the fields a user may change:
anything else (roles, points, status) is refused as an unknown field."""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.users.models import AGE_GROUPS, ALL_ROLES, OCCUPATIONS


class UserSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    nickname = fields.String(allow_none=True)
    avatar_url = fields.String(allow_none=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ALL_ROLES)),
        metadata={"description": "Always contains `resident`"},
    )
    age_group = fields.String(allow_none=True, validate=validate.OneOf(AGE_GROUPS))
    occupation = fields.String(allow_none=True, validate=validate.OneOf(OCCUPATIONS))
    district = fields.String(allow_none=True)
    subscribed_categories = fields.List(
        fields.String(), metadata={"description": "Slugs of subscribed fraud types (点单)"}
    )
    points_balance = fields.Integer()
    consent_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class ProfileUpdateSchema(ma.Schema):
    nickname = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    avatar_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=512))
    age_group = fields.String(allow_none=True, validate=validate.OneOf(AGE_GROUPS))
    occupation = fields.String(allow_none=True, validate=validate.OneOf(OCCUPATIONS))
    district = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    subscribed_categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=30),
        metadata={"description": "Slugs from GET /categories"},
    )
    consent = fields.Boolean(
        metadata={"description": "true records consent to the privacy policy, false withdraws it"}
    )


class ExportSchema(ma.Schema):
    """The account and roles, plus one more key per section another domain registers."""

    exported_at = LocalDateTime()
    account = fields.Dict()
    roles = fields.List(fields.Dict())
    # The sections other domains register (users.service.register_export_section); a
    # test checks that each registered section is declared here, so the document is exact.
    points_ledger = fields.List(fields.Dict())
    redemptions = fields.List(fields.Dict())
    article_reads = fields.List(fields.Dict())
    quiz_sessions = fields.List(fields.Dict())
    enrollment = fields.Dict(allow_none=True)
    promoter_applications = fields.List(fields.Dict())
    events = fields.Dict()
    content_reviews = fields.List(fields.Dict())
    push = fields.Dict(metadata={"description": "Message subscriptions and deliveries"})
    console_sign_in = fields.Dict(allow_none=True)  # staff only; never a secret

    @ma.post_dump(pass_original=True)
    def keep_sections(self, data: dict, original: dict, **_kwargs) -> dict:
        """Never drop data from an export: anything not declared above is kept as is."""
        return {**original, **data}


class AdminUserStatusSchema(ma.Schema):
    id = fields.Integer(required=True)
    nickname = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "banned"]))
    banned_at = LocalDateTime(allow_none=True, required=True)
    ban_reason = fields.String(allow_none=True, required=True)
    banned_by_id = fields.Integer(allow_none=True, required=True)


REASON = validate.Length(min=2, max=200)


class BanSchema(ma.Schema):
    reason = fields.String(
        required=True, validate=REASON, metadata={"description": "Why; kept with the ban"}
    )


class UnbanSchema(ma.Schema):
    reason = fields.String(validate=REASON)
