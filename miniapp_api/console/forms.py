"""What the rewards, desk, events and audit pages share: HTML form fields turned into the
API schemas' input, their errors (and a use case's) as one Chinese message per field, and
NULs refused on every console page. (`via: "console"` and the
404 page are the blueprint's: console/__init__.py and pages.py.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import Blueprint, render_template, request

from miniapp_api.errors import AppError
from miniapp_api.messages import translate
from miniapp_api.timeutil import app_timezone, to_local
from miniapp_api.web import NUL


def form_input(
    form: Mapping[str, str],
    *,
    texts: Iterable[str] = (),
    integers: Iterable[str] = (),
    numbers: Iterable[str] = (),
    instants: Iterable[str] = (),
    checkboxes: Iterable[str] = (),
    blank_is_none: Iterable[str] = (),
) -> dict[str, Any]:
    """The fields a schema loads: whole numbers and numbers as such (left as typed when they
    are not, for the schema to refuse), `datetime-local` values in the app's time zone,
    ticked boxes as booleans; a blank field is left out (None for `blank_is_none`)."""
    values: dict[str, Any] = {
        name: form.get(name, "") in ("on", "1", "true") for name in checkboxes
    }
    kinds = [(texts, str), (integers, _integer), (numbers, _number), (instants, _instant)]
    nullable = set(blank_is_none)
    for names, convert in kinds:
        for name in names:
            raw = form.get(name, "").strip()
            if raw:
                values[name] = convert(raw)
            elif name in nullable:
                values[name] = None
    return values


def _integer(raw: str) -> int | str:
    return int(raw) if raw.lstrip("-").isdigit() else raw


def _number(raw: str) -> float | str:
    try:
        return float(raw)
    except ValueError:
        return raw


def _instant(raw: str) -> str:
    """`2026-12-02T09:30` (what a datetime-local field sends) with the app's offset."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=app_timezone())
    return moment.isoformat()


def _local(moment: datetime) -> datetime:
    """A stored time in the app's time zone (SQLite gives it back naive, in UTC)."""
    return to_local(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)


def local_input(moment: datetime | None) -> str:
    """A time as a datetime-local field shows it, in the app's time zone."""
    return _local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def load(schema: ma.Schema, values: Mapping[str, Any]) -> tuple[dict | None, dict[str, str]]:
    """The schema's loaded values, or None and the first Chinese message of each field."""
    try:
        return schema.load(values), {}
    except ma.ValidationError as exc:
        return None, field_messages(exc.normalized_messages())


def field_messages(messages: Any) -> dict[str, str]:
    """{field: first message} out of marshmallow's or a use case's nested errors."""
    flat: dict[str, str] = {}
    for key, value in (messages or {}).items():
        if key in ("json", "form", "query") and isinstance(value, dict):
            flat.update(field_messages(value))
        elif isinstance(value, dict):  # a nested field: its first message
            nested = list(field_messages(value).values())
            if nested:
                flat[key] = nested[0]
        else:
            first = value[0] if isinstance(value, list) and value else value
            flat[key] = translate(str(first))
    return flat


def error_fields(exc: AppError) -> dict[str, str]:
    """A use case's refusal as form errors: its field errors, else its message under `_`."""
    return field_messages(exc.errors) or {"_": exc.message}


def refuse_nul_input():
    """A NUL in a console query or form, which PostgreSQL cannot store: the form's page
    says so (422) before any view reads it, as the API's parser refuses it."""
    given = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if any(NUL in key or NUL in value for key, value in given):
        message = "输入中含有空字符（\\0），请删除后重新提交。"
        return render_template("console/input_refused.html", message=message), 422
    return None


def register_pages(blueprint: Blueprint) -> None:
    """Hook the console's shared request handling onto its blueprint."""
    blueprint.before_request(refuse_nul_input)
