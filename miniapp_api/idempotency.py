"""The `Idempotency-Key` header of writes that move points or stock."""

import re

from flask import request

from miniapp_api.errors import ValidationFailed

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,48}$")


def idempotency_key() -> str | None:
    """The caller's key, or None; a malformed key is a 422 naming the header."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed(errors={"headers": {HEADER: ["1–48 个字母、数字或 _.:- 字符"]}})
    return key
