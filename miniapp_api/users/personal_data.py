"""Personal data other domains keep about a user: what `GET /me/export` shows and what
`DELETE /me` erases. Each domain describes its part once; `wiring.connect_domains`
registers the parts per app, so the users domain needs no knowledge of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "personal_data"


@dataclass(frozen=True)
class PersonalData:
    section: str  # its key in the export (declared in users.schemas.ExportSchema)
    export: Callable[[Any], Any]  # user -> JSON-ready data
    # user -> None, in the deletion's transaction; None: nothing personal to erase
    # (ledger rows and the like stay, attached to the anonymised account).
    erase: Callable[[Any], None] | None = None


def register(app: Flask, part: PersonalData) -> None:
    parts = app.extensions.setdefault(EXTENSION_KEY, {})
    if part.section in parts:
        raise ValueError(f"personal data section registered twice: {part.section}")
    parts[part.section] = part


def parts() -> list[PersonalData]:
    return list(current_app.extensions.get(EXTENSION_KEY, {}).values())
