"""Schemas of the administration reads: the user directory and the audit log."""

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.input_guard import MAX_ID
from miniapp_api.rewards.schemas import RedemptionSchema
from miniapp_api.users.models import ACTIVE, ALL_ROLES, BANNED, GRANTED_ROLES
from miniapp_api.web import PageArgsSchema, paginated

ID = validate.Range(1, MAX_ID)
# Days the log can hold; anything else is a typo (and would overflow a day later).
DAYS = validate.Range(
    date(2000, 1, 1), date(2099, 12, 31), error="日期必须在 2000 年到 2099 年之间"
)
LISTED_STATUSES = (ACTIVE, BANNED)


# ---- the user directory ---------------------------------------------------------------


class UserSearchArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "A nickname (contains), a user id, an openid suffix (4+ "
            "characters) or a promoter's phone (all of it, or its last 4+ digits)"
        },
    )
    role = fields.String(validate=validate.OneOf(GRANTED_ROLES))
    zone_id = fields.Integer(validate=ID, metadata={"description": "That zone and below it"})
    status = fields.String(validate=validate.OneOf(LISTED_STATUSES))


class AdminUserSummarySchema(ma.Schema):
    """A `directory.UserSummary`."""

    id = fields.Integer(required=True, attribute="user.id")
    nickname = fields.String(allow_none=True, required=True, attribute="user.nickname")
    avatar_url = fields.String(allow_none=True, required=True, attribute="user.avatar_url")
    roles = fields.List(
        fields.String(validate=validate.OneOf(ALL_ROLES)), required=True, attribute="user.roles"
    )
    zone_id = fields.Integer(
        allow_none=True,
        required=True,
        attribute="user.zone_id",
        metadata={"description": "The zone the user's points count for"},
    )
    zone_name = fields.String(allow_none=True, required=True)
    status = fields.String(
        required=True, attribute="user.status", validate=validate.OneOf(LISTED_STATUSES)
    )
    points_balance = fields.Integer(required=True, attribute="user.points_balance")
    created_at = LocalDateTime(required=True, attribute="user.created_at")


class RoleZoneNameSchema(ma.Schema):
    role = fields.String(required=True)
    zone_id = fields.Integer(required=True)
    zone_name = fields.String(required=True)


class AdminLedgerEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    delta = fields.Integer(required=True)
    reason = fields.String(required=True)
    ref = fields.String(required=True)
    note = fields.String(allow_none=True, required=True)
    zone_id = fields.Integer(allow_none=True, required=True)
    actor_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "The officer who adjusted"}
    )
    created_at = LocalDateTime(required=True)


class AdminEnrollmentSchema(ma.Schema):
    """How the user became a volunteer (never where they stood)."""

    promoter_id = fields.Integer(required=True)
    promoter_nickname = fields.String(allow_none=True, required=True)
    zone_id = fields.Integer(required=True)
    zone_name = fields.String(required=True)
    enrolled_at = LocalDateTime(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["inside", "edge"]))
    qualified_at = LocalDateTime(
        allow_none=True,
        required=True,
        metadata={"description": "When the volunteer first finished a quiz"},
    )


class AdminUserDetailSchema(AdminUserSummarySchema):
    """A `directory.UserFile`."""

    age_group = fields.String(allow_none=True, required=True, attribute="user.age_group")
    occupation = fields.String(allow_none=True, required=True, attribute="user.occupation")
    district = fields.String(allow_none=True, required=True, attribute="user.district")
    consent_at = LocalDateTime(allow_none=True, required=True, attribute="user.consent_at")
    last_login_at = LocalDateTime(allow_none=True, required=True, attribute="user.last_login_at")
    banned_at = LocalDateTime(allow_none=True, required=True, attribute="user.banned_at")
    ban_reason = fields.String(allow_none=True, required=True, attribute="user.ban_reason")
    banned_by_id = fields.Integer(allow_none=True, required=True, attribute="user.banned_by_id")
    role_zones = fields.List(fields.Nested(RoleZoneNameSchema), required=True)
    earned_total = fields.Integer(
        required=True, metadata={"description": "Points ever earned by taking part"}
    )
    ledger = fields.List(
        fields.Nested(AdminLedgerEntrySchema),
        required=True,
        metadata={"description": "The 20 latest ledger rows, newest first"},
    )
    enrollment = fields.Nested(AdminEnrollmentSchema, allow_none=True, required=True)
    redemptions = fields.List(
        fields.Nested(RedemptionSchema),
        required=True,
        metadata={"description": "The 20 latest redemptions, newest first"},
    )
    volunteer_count = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Promoters only"}
    )


AdminUserSummaryPageSchema = paginated(AdminUserSummarySchema)


# ---- the audit log ---------------------------------------------------------------------


class AuditArgsSchema(PageArgsSchema):
    actor_id = fields.Integer(validate=ID)
    object_type = fields.String(validate=validate.Length(1, 32))
    object_id = fields.String(validate=validate.Length(1, 64))
    action = fields.String(
        validate=validate.Length(1, 48), metadata={"description": "`user.ban`, `role.grant`, …"}
    )
    date_from = fields.Date(
        data_key="from", validate=DAYS, metadata={"description": "First day (app time zone)"}
    )
    date_to = fields.Date(
        data_key="to", validate=DAYS, metadata={"description": "Last day, included"}
    )

    @ma.validates_schema
    def days_in_order(self, data, **_kwargs):
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            raise ma.ValidationError("结束日期不能早于开始日期", "to")


class AuditEntrySchema(ma.Schema):
    """An `audit_log.AuditItem`."""

    id = fields.Integer(required=True, attribute="entry.id")
    created_at = LocalDateTime(required=True, attribute="entry.created_at")
    actor_id = fields.Integer(
        allow_none=True,
        required=True,
        attribute="entry.actor_id",
        metadata={"description": "None for an operator's command on the server"},
    )
    actor_nickname = fields.String(allow_none=True, required=True)
    via = fields.String(
        required=True, attribute="entry.via", validate=validate.OneOf(["api", "console", "cli"])
    )
    action = fields.String(required=True, attribute="entry.action")
    object_type = fields.String(required=True, attribute="entry.object_type")
    object_id = fields.String(allow_none=True, required=True, attribute="entry.object_id")
    zone_id = fields.Integer(allow_none=True, required=True, attribute="entry.zone_id")
    reason = fields.String(allow_none=True, required=True, attribute="entry.reason")
    changes = fields.Dict(
        required=True,
        attribute="entry.changes",
        metadata={"description": "`{field: [before, after]}` for each changed field"},
    )
    request_id = fields.String(allow_none=True, required=True, attribute="entry.request_id")


AuditEntryPageSchema = paginated(AuditEntrySchema)
