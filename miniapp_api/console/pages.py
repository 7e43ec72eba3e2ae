"""What the zones, articles and question bank pages share: reading a form through the
API's own schemas, the API's validation errors as per-field messages, and the console's
answer to a refusal (a 404 or 403 page instead of the API's JSON)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from miniapp_api.console import console_bp
from miniapp_api.errors import AppError
from miniapp_api.timeutil import app_timezone, to_local

FIELD_SEPARATOR = "."


def flat_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """Marshmallow-style messages ({field: [text]} nested) as {"field.sub": "text"}."""
    if isinstance(messages, str):
        return {prefix or "_": messages}
    if isinstance(messages, list | tuple):
        first = next((m for m in messages if isinstance(m, str)), None)
        found = {prefix or "_": first} if first else {}
        for item in messages:
            if not isinstance(item, str):
                found.update(flat_errors(item, prefix))
        return found
    found: dict[str, str] = {}
    for key, value in (messages or {}).items():
        name = f"{prefix}{FIELD_SEPARATOR}{key}" if prefix else str(key)
        found.update(flat_errors(value, name))
    return found


def service_errors(exc: AppError) -> dict[str, str]:
    """A use case's refusal as field messages: the body's fields, else the message."""
    errors = exc.errors or {}
    fields = errors.get("json", errors) if isinstance(errors, Mapping) else errors
    found = flat_errors(fields)
    return found or {"_": exc.message}


def load_form(schema: ma.Schema, data: Mapping[str, Any]) -> tuple[dict | None, dict[str, str]]:
    """The form's values as the API's schema loads them, or None and the field messages."""
    try:
        return schema.load(data), {}
    except ma.ValidationError as exc:
        return None, flat_errors(exc.messages)


def as_utc(moment: datetime) -> datetime:
    """A stored time, aware (SQLite gives back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local_input(moment: datetime | None) -> str:
    """A stored time as a `datetime-local` field shows it, in the app's time zone."""
    if moment is None:
        return ""
    return to_local(as_utc(moment)).strftime("%Y-%m-%dT%H:%M")


def instant(value: str | None) -> str | None:
    """A `datetime-local` field's value (the app's time zone) as an ISO time with offset,
    as the API's `Instant` fields read it; empty: None; anything else is passed on for
    the schema to refuse."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=app_timezone())
    return moment.isoformat()


def lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def words(value: str | None) -> list[str]:
    """Tags typed as "a, b、c" or one per space."""
    return [word for word in re.split(r"[\s,，、;；]+", value or "") if word]


@console_bp.app_template_global()
def local_time(moment: datetime | None) -> str:
    """A stored time for reading, in the app's time zone ("2026-12-01 09:30")."""
    return local_input(moment).replace("T", " ")
