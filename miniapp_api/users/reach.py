"""An officer's reach over accounts. The zones domain knows which zones an officer holds;
the users and points domains, sources of truth, may not import it, so `wiring` registers
the zones domain's `scope_of` here per app, and their admin use cases ask through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import ColumnElement

from miniapp_api.users.models import User

EXTENSION_KEY = "officer_reach"
NOT_FOUND_MESSAGE = "用户不存在"


class Reach(Protocol):
    """What the users domain needs of `zones.scope.Scope`."""

    @property
    def citywide(self) -> bool: ...

    def covers(self, zone_id: int | None) -> bool: ...

    def require(self, zone_id: int | None, message: str | None = None) -> None: ...

    def where(self, column) -> ColumnElement[bool]: ...


def register(app: Flask, reach_of: Callable[[User | None], Reach]) -> None:
    app.extensions[EXTENSION_KEY] = reach_of


def reach_of(officer: User | None) -> Reach:
    """The officer's reach (None: an operator on the server, city-wide)."""
    hook = current_app.extensions.get(EXTENSION_KEY)
    if hook is None:
        raise RuntimeError("no officer reach registered: wiring.connect_domains registers it")
    return hook(officer)


def require_in_reach(officer: User | None, user: User) -> Reach:
    """NOT_FOUND unless the user's zone is in the officer's reach (which it returns). A
    user without a zone is city-wide: only an `admin` (or an operator) reaches them."""
    reach = reach_of(officer)
    reach.require(user.zone_id, NOT_FOUND_MESSAGE)
    return reach
