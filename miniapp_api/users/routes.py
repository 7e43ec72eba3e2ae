"""The caller's own account: profile, export and deletion."""

from flask_jwt_extended import current_user

from miniapp_api.users import service
from miniapp_api.users.schemas import ExportSchema, ProfileUpdateSchema, UserSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The caller's account")


@blp.route("", methods=["GET"])
@login_required()
@blp.response(200, UserSchema)
def get_me():
    """The caller's profile."""
    return current_user


@blp.route("", methods=["PATCH"])
@login_required()
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, UserSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="CONTENT_RISKY")
def patch_me(changes):
    """Change the caller's own profile fields; roles and points cannot be set here. A
    nickname goes through WeChat's content security (README, Content security)."""
    return service.update_profile(current_user, changes)


@blp.route("", methods=["DELETE"])
@login_required()
@blp.response(204)
def delete_me():
    """Delete the account: personal data erased, points history kept anonymised."""
    service.delete_account(current_user)


@blp.route("/export", methods=["GET"])
@login_required()
@blp.response(200, ExportSchema)
def export_me():
    """Everything stored about the caller, as JSON."""
    return service.export_data(current_user)
