"""Refuse input no database should see: NUL characters in the path, and path ids past
32 bits (query and body NULs: `web.BoundedParser`).

PostgreSQL cannot store U+0000 in text and its `integer` ids end at 2**31 - 1; both
would otherwise reach the database and come back as a 500. Here they become the
usual 404 or 422, for every route at once.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from miniapp_api.errors import NotFound

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


def refuse_nul() -> None:
    """A NUL in the path matches no route (404). NULs in the query and the body are
    refused when a view parses them (`web.BoundedParser`, after sign-in)."""
    if NUL in request.path:
        raise NotFound()
