"""Zones (电子围栏) as the use cases need them: the geofence and the per-process index,
lookups and lists, validation of drawn fences, and who manages which zones.

Fences are stored in GCJ-02 (what `wx.getLocation({type: "gcj02"})` returns), so the
hot path converts nothing; a WGS-84 location is converted before the test. Each
process keeps a `geo.ZoneIndex` of the active zones and rebuilds it when the zones
table changes (a cheap `count, max(updated_at)` check per use).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.zones import geo
from miniapp_api.zones.errors import invalid
from miniapp_api.zones.models import Zone

INDEX_KEY = "zone_index"


def zone_index() -> geo.ZoneIndex:
    """This process's index of active zones, rebuilt when the zones table changed."""
    version = tuple(db.session.execute(select(func.count(), func.max(Zone.updated_at))).one())
    cached = current_app.extensions.get(INDEX_KEY)
    if cached is None or cached[0] != version:
        rows = db.session.execute(select(Zone.id, Zone.shape).where(Zone.active.is_(True)))
        index = geo.ZoneIndex(
            (zone_id, geo.ZoneShape.from_storage(shape)) for zone_id, shape in rows
        )
        cached = (version, index)
        current_app.extensions[INDEX_KEY] = cached
    return cached[1]


def zone_shape(zone_id: int) -> geo.ZoneShape | None:
    """The fence of an active zone; None for an inactive or unknown one."""
    try:
        return zone_index().shape(zone_id)
    except KeyError:
        return None


def gcj02_location(values: Mapping[str, Any]) -> tuple[float, float]:
    """A reported `longitude, latitude, coord_type` as GCJ-02 lng/lat."""
    return geo.to_gcj02(values["longitude"], values["latitude"], values["coord_type"])


@dataclass(frozen=True)
class ZonePage(Page):
    """A page of zones, and whether the caller asked for their fences (`?geometry=1`)."""

    with_geometry: bool = False


def list_zones(
    with_geometry: bool, page: int, per_page: int, *, active_only: bool = True, where=None
) -> ZonePage:
    """Zones by district and name (only the active ones unless `active_only` is off),
    optionally only those matching `where`."""
    query = select(Zone).order_by(Zone.district, Zone.name, Zone.id)
    if where is not None:
        query = query.where(where)
    if active_only:
        query = query.where(Zone.active.is_(True))
    found = paginate(query, page, per_page)
    return ZonePage(found.items, found.page, found.per_page, found.total, with_geometry)


def get_zone(zone_id: int, *, active_only: bool = False) -> Zone:
    visible = (lambda zone: zone.active) if active_only else None
    return get_or_404(Zone, zone_id, "区域不存在", visible=visible)


def zone_names(zone_ids: list[int]) -> dict[int, str]:
    if not zone_ids:
        return {}
    return dict(db.session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids))).all())


def parse_shape(geometry: Any, coord_type: str) -> geo.ZoneShape:
    """A drawn fence as a shape, or a 422 naming the problem."""
    try:
        return geo.parse_geometry(
            geometry, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
        )
    except geo.GeometryError as exc:
        raise invalid(exc.field, exc.message) from exc


def check_parent(parent_id: int | None, own_id: int | None = None) -> None:
    """The parent exists and the zone would not become its own ancestor."""
    seen = {own_id}
    while parent_id is not None:
        if parent_id in seen:
            raise invalid("parent_id", "上级区域不能形成循环")
        seen.add(parent_id)
        parent = db.session.get(Zone, parent_id)
        if parent is None:
            raise invalid("parent_id", "上级区域不存在")
        parent_id = parent.parent_id
