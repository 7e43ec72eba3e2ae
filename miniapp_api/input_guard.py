"""Refuse input no database should see: NUL characters, and path ids past 32 bits.

PostgreSQL cannot store U+0000 in text and its `integer` ids end at 2**31 - 1; both
would otherwise reach the database and come back as a 500. Here they become the
usual 404 or 422, for every route at once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from miniapp_api.errors import NotFound, ValidationFailed

MAX_ID = 999_999_999  # nine digits: inside every database's 32-bit integer
NUL = "\x00"


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to nine digits (ids stay far below the databases' 32-bit limit):
    a longer number matches no route at all, so it is a 404 (not a 405 from a sibling rule
    of the same path, nor an overflow in the database)."""

    regex = r"\d{1,9}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def register_input_guard(app: Flask) -> None:
    """After the request id, so a refusal carries one like every response."""
    app.before_request(refuse_nul)


def _first_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_nul(key, path) or _first_nul(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def refuse_nul() -> None:
    if NUL in request.path:
        raise NotFound()
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            raise ValidationFailed(errors={"query": {key.replace(NUL, ""): ["不能包含空字符"]}})
    limit = request.max_content_length
    if request.is_json and not (limit and (request.content_length or 0) > limit):
        field = _first_nul(request.get_json(silent=True), "")
        if field is not None:
            raise ValidationFailed(errors={"json": {field or "_body": ["不能包含空字符"]}})
