"""What every route module shares: sign-in and roles, the `Idempotency-Key` header,
the `?page=&per_page=` arguments and the paginated response schema.

Nothing here knows a domain: routes of every domain import it, and it imports none.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import cache, wraps

import marshmallow as ma
from flask import request
from flask_jwt_extended import current_user, verify_jwt_in_request
from marshmallow import fields, validate

from miniapp_api.errors import Forbidden, ValidationFailed

BEARER_SCHEME = "bearerAuth"


def login_required(*roles: str, refresh: bool = False, any_token: bool = False):
    """Require a valid token (an access token unless `refresh` or `any_token`) and,
    when given, at least one of `roles`; documents both in OpenAPI."""

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


# ---- Idempotency-Key -------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,48}$")


def idempotency_key() -> str | None:
    """The caller's key, or None; a malformed key is a 422 naming the header."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed(
            errors={"headers": {IDEMPOTENCY_HEADER: ["1–48 个字母、数字或 _.:- 字符"]}}
        )
    return key


# ---- pages -------------------------------------------------------------------------------


class PageArgsSchema(ma.Schema):
    """`?page=&per_page=` as API.md fixes them: per_page at most 100."""

    # Query values are strings, so not `strict`; "1.5" and "2e3" are still refused.
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


@cache
def paginated(item_schema: type[ma.Schema], name: str | None = None) -> type[ma.Schema]:
    """The schema of a `storage.Page` of `item_schema` items: `{items, page, per_page,
    total}`. Named `<Item>Page` in the OpenAPI document unless `name` says otherwise;
    subclass it to add fields beside the items."""
    base = item_schema.__name__.removesuffix("Schema")
    class_name = f"{name or base + 'Page'}Schema"
    items = fields.List(fields.Nested(item_schema), required=True)
    return type(class_name, (PageSchema,), {"items": items})
