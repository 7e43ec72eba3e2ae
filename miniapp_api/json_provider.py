"""JSON in and out: ISO 8601 dates for anything a schema did not dump, and request
bodies parsed within bounds (nesting depth, integer size, no lone surrogates), so a
hostile body is a 400 and never reaches a recursion limit, Python's integer-string
limit or the database driver's encoder."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask.json.provider import DefaultJSONProvider

from miniapp_api.timeutil import to_local

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 30


class HostileJSON(ValueError):
    """A body that parses, but not within the bounds above (Flask answers 400)."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise HostileJSON(f"an integer has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def check_bounds(value: Any) -> None:
    """Raise HostileJSON when `value` nests deeper than MAX_DEPTH or holds a string
    (key or value) with a lone UTF-16 surrogate, which UTF-8 cannot encode."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise HostileJSON(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            if _has_lone_surrogate(item):
                raise HostileJSON("a string holds a lone surrogate")
        elif isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


class IsoJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    @staticmethod
    def default(o):
        if isinstance(o, datetime):
            return (to_local(o) if o.tzinfo else o).isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, parse_int=_integer, **kwargs)
        except RecursionError as exc:
            raise HostileJSON(f"nested deeper than {MAX_DEPTH} levels") from exc
        check_bounds(value)
        return value
