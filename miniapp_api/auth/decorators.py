"""`login_required`: checks the token and the roles, and documents both in OpenAPI."""

from __future__ import annotations

from copy import deepcopy
from functools import wraps

from flask_jwt_extended import current_user, verify_jwt_in_request

from miniapp_api.errors import Forbidden

BEARER_SCHEME = "bearerAuth"


def login_required(*roles: str, refresh: bool = False, any_token: bool = False):
    """Require a valid token (an access token unless `refresh` or `any_token`) and,
    when given, at least one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(refresh=refresh, verify_type=not any_token)
            if roles and not current_user.has_role(*roles):
                raise Forbidden()
            return view(*args, **kwargs)

        apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = apidoc.setdefault("manual_doc", {})
        manual["security"] = [{BEARER_SCHEME: []}]
        responses = manual.setdefault("responses", {})
        responses["401"] = "UNAUTHORIZED"
        if roles:
            responses["403"] = "FORBIDDEN"
        wrapper._apidoc = apidoc
        return wrapper

    return decorator
