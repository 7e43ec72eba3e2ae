"""An officer's reach: every zone for a city-wide `admin`, else the zones a
`station_admin` holds with everything below them. Anything outside is NOT_FOUND, never
a hint that it exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select, true

from miniapp_api.errors import NotFound
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones.models import RoleZone, Zone


@dataclass(frozen=True)
class Scope:
    zone_ids: frozenset[int] | None  # None: city-wide

    @property
    def citywide(self) -> bool:
        return self.zone_ids is None

    def covers(self, zone_id: int | None) -> bool:
        return self.zone_ids is None or (zone_id is not None and zone_id in self.zone_ids)

    def require(self, zone_id: int | None, message: str | None = None) -> None:
        """NOT_FOUND unless the officer's reach includes `zone_id`."""
        if not self.covers(zone_id):
            raise NotFound(message)

    def where(self, column) -> ColumnElement[bool]:
        """An SQL condition keeping rows whose `column` (a zone id) is in reach."""
        if self.zone_ids is None:
            return true()
        return column.in_(self.zone_ids) if self.zone_ids else false()


CITYWIDE = Scope(None)


def subtree(zone_ids: set[int]) -> set[int]:
    """The zones given and every zone below them."""
    found, frontier = set(zone_ids), set(zone_ids)
    while frontier:
        children = set(db.session.scalars(select(Zone.id).where(Zone.parent_id.in_(frontier))))
        frontier = children - found
        found |= children
    return found


def scope_of(officer: User | None) -> Scope:
    """The officer's reach; None is an operator's command on the server: city-wide."""
    if officer is None or officer.has_role("admin"):
        return CITYWIDE
    roots = set(
        db.session.scalars(
            select(RoleZone.zone_id).where(
                RoleZone.user_id == officer.id, RoleZone.role == "station_admin"
            )
        )
    )
    return Scope(frozenset(subtree(roots)))
