"""An officer's reach: every zone for a city-wide `admin`, else the zones a
`station_admin` holds with everything below them. Anything outside is NOT_FOUND, never
a hint that it exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, false, select, true
from sqlalchemy.orm import aliased

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


def lineage(zone_id: int | None) -> list[int]:
    """The zone and every zone above it, nearest first (none for None; an unknown zone
    is its own lineage)."""
    found: list[int] = []
    while zone_id is not None and zone_id not in found:
        found.append(zone_id)
        zone_id = db.session.scalar(select(Zone.parent_id).where(Zone.id == zone_id))
    return found


def ancestry() -> CTE:
    """A recursive query of (zone_id, ancestor_id): every zone with each zone strictly
    above it (UNION, not UNION ALL: a cycle, which `check_parent` prevents, would still
    end)."""
    parent = aliased(Zone)
    pairs = (
        select(Zone.id.label("zone_id"), Zone.parent_id.label("ancestor_id"))
        .where(Zone.parent_id.is_not(None))
        .cte("zone_ancestry", recursive=True)
    )
    step = (
        select(pairs.c.zone_id, parent.parent_id)
        .join(parent, parent.id == pairs.c.ancestor_id)
        .where(parent.parent_id.is_not(None))
    )
    return pairs.union(step)


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
