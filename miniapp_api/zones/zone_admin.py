"""Drawing zones (`admin`), and reading them (`station_admin` sees its own, with the
zones below them). Every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from miniapp_api.audit.service import audited, changes_since, record, snapshot
from miniapp_api.signals import announce, zone_tree_changed
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones.errors import invalid
from miniapp_api.zones.fences import ZonePage, check_parent, get_zone, list_zones, parse_shape
from miniapp_api.zones.models import Zone
from miniapp_api.zones.scope import scope_of

ZONE_FIELDS = ("name", "district", "kind", "parent_id", "active", "vertex_count")


def all_zones(officer: User, with_geometry: bool, page: int, per_page: int) -> ZonePage:
    """Every zone in the officer's reach, inactive ones included."""
    return list_zones(
        with_geometry, page, per_page, active_only=False, where=scope_of(officer).where(Zone.id)
    )


def zone_in_reach(officer: User, zone_id: int) -> Zone:
    zone = get_zone(zone_id)
    scope_of(officer).require(zone.id, "区域不存在")
    return zone


@audited
def create_zone(values: Mapping[str, Any], officer: User) -> Zone:
    """A zone drawn in either datum, stored in GCJ-02."""
    shape = parse_shape(values["geometry"], values["coord_type"])
    check_parent(values.get("parent_id"))
    zone = Zone(
        name=values["name"],
        district=values["district"],
        kind=values["kind"],
        parent_id=values.get("parent_id"),
        shape=shape.to_storage(),
        vertex_count=shape.vertex_count,
    )
    db.session.add(zone)
    db.session.flush()
    created = {field: [None, value] for field, value in snapshot(zone, ZONE_FIELDS).items()}
    record(officer, "zone.create", "zone", zone.id, zone_id=zone.id, changes=created)
    return zone


@audited
def update_zone(zone_id: int, values: Mapping[str, Any], officer: User) -> Zone:
    """Rename, move or redraw a zone (a new `geometry` needs its `coord_type`)."""
    zone = get_zone(zone_id)
    before = snapshot(zone, ZONE_FIELDS)
    values = dict(values)
    redrawn = "geometry" in values
    if redrawn:
        if "coord_type" not in values:
            raise invalid("coord_type", "修改边界时必须说明坐标系（wgs84 或 gcj02）")
        shape = parse_shape(values.pop("geometry"), values.pop("coord_type"))
        zone.shape, zone.vertex_count = shape.to_storage(), shape.vertex_count
    values.pop("coord_type", None)
    if "parent_id" in values:
        check_parent(values["parent_id"], zone.id)
    for key, value in values.items():
        setattr(zone, key, value)
    zone.updated_at = utcnow()
    changes = changes_since(before, zone)
    if "parent_id" in changes:
        announce(zone_tree_changed)
    if redrawn:  # the log says the fence moved, not where: no coordinates in it
        changes["geometry"] = ["previous", "redrawn"]
    record(officer, "zone.update", "zone", zone.id, zone_id=zone.id, changes=changes)
    return zone


@audited
def deactivate_zone(zone_id: int, officer: User) -> None:
    """Zones are never erased (enrollments and points refer to them): they go inactive."""
    zone = get_zone(zone_id)
    before = zone.active
    zone.active = False
    zone.updated_at = utcnow()
    changes = {"active": [before, False]}
    record(officer, "zone.deactivate", "zone", zone.id, zone_id=zone.id, changes=changes)
