"""What every route module shares: the Blueprint whose arguments are parsed within
bounds, sign-in and roles, the `Idempotency-Key` header, the `?page=&per_page=`
arguments and the paginated response schema.

Nothing here knows a domain: routes of every domain import it, and it imports none.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import cache, wraps

import flask_smorest
import marshmallow as ma
from flask import current_app, request
from flask_jwt_extended import current_user, verify_jwt_in_request
from marshmallow import fields, validate
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from miniapp_api.errors import (
    BodyRequired,
    Forbidden,
    MalformedBody,
    UnsupportedMediaType,
    ValidationFailed,
)

BEARER_SCHEME = "bearerAuth"
NUL = "\x00"


# ---- arguments ----------------------------------------------------------------------


class BoundedParser(FlaskParser):
    """webargs' parser with the app's rules for what reaches a schema: a body is JSON
    (415 otherwise) parsed by the app's bounded decoder (json_provider: depth, integer
    size, lone surrogates; 400 otherwise), and no text holds a NUL, which PostgreSQL
    cannot store (422). It runs when the view's arguments are parsed, after sign-in, so
    an anonymous caller gets 401 before anything about their input."""

    def _raw_load_json(self, req):
        if not _has_body(req):
            return core.missing
        if not is_json_request(req):
            raise UnsupportedMediaType()
        data = req.get_data(cache=True)
        limit = req.max_content_length
        if req.content_length is None and limit is not None and len(data) >= limit:
            # A chunked body is cut at the limit, not refused: refuse it here (413).
            raise RequestEntityTooLarge()
        try:
            value = current_app.json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, HostileJSON
            raise MalformedBody() from exc
        _refuse_nul(value, "json")
        return value

    def load_json(self, req, schema):
        return self._raw_load_json(req)

    def load_querystring(self, req, schema):
        for key, value in req.args.items(multi=True):
            if NUL in key or NUL in value:
                raise ValidationFailed(errors={"query": {key.replace(NUL, ""): ["不能包含空字符"]}})
        return super().load_querystring(req, schema)


def _has_body(req) -> bool:
    return bool(req.content_length) or "chunked" in req.headers.get("Transfer-Encoding", "")


def _first_nul(value, path: str) -> str | None:
    if isinstance(value, str):
        return path if NUL in value else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        found = (NUL in key and where) if isinstance(key, str) else None
        found = found or _first_nul(item, where)
        if found:
            return found
    return None


def _refuse_nul(value, location: str) -> None:
    field = _first_nul(value, "")
    if field is not None:
        raise ValidationFailed(errors={location: {field or "_body": ["不能包含空字符"]}})


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the bounded parser; a JSON body declared required
    (the default) must be there (400 otherwise, not an empty object)."""

    ARGUMENTS_PARSER = BoundedParser()

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        decorate = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return decorate

        def with_body(view):
            parsed = decorate(view)

            @wraps(parsed)
            def wrapper(*args, **kw):
                if not _has_body(request):
                    raise BodyRequired()
                return parsed(*args, **kw)

            return wrapper

        return with_body


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
