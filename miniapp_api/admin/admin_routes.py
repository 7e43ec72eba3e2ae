"""The user directory and the audit log (`admin`; `station_admin` within its reach)."""

from flask_jwt_extended import current_user

from miniapp_api.admin import service
from miniapp_api.admin.schemas import (
    AdminUserDetailSchema,
    AdminUserSummaryPageSchema,
    AuditArgsSchema,
    AuditEntryPageSchema,
    UserSearchArgsSchema,
)
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "admin_directory",
    __name__,
    url_prefix="/api/v1/admin",
    description="User directory and audit log",
)
OFFICERS = ("admin", "station_admin")


@blp.route("/users", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(UserSearchArgsSchema, location="query")
@blp.response(200, AdminUserSummaryPageSchema)
def find_users(args):
    """Find users in the officer's reach by nickname, id, openid suffix or promoter phone."""
    return service.find_users(current_user, **args)


@blp.route("/users/<int:user_id>", methods=["GET"])
@login_required(*OFFICERS)
@blp.response(200, AdminUserDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_user(user_id):
    """One user's file: roles with zones, points, enrollment, redemptions."""
    return service.user_file(current_user, user_id)


@blp.route("/audit", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(AuditArgsSchema, location="query")
@blp.response(200, AuditEntryPageSchema)
def audit_log(args):
    """The audit log in the officer's reach, newest first (reading it is not audited)."""
    return service.audit_entries(current_user, **args)
