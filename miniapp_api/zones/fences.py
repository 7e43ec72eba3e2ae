"""Zones (电子围栏): storage in GCJ-02, validation, the per-process index, import.

Fences are stored in GCJ-02 (what `wx.getLocation({type: "gcj02"})` returns), so the
hot path converts nothing; a WGS-84 location is converted before the test. Each
process keeps a `geo.ZoneIndex` of the active zones and rebuilds it when the zones
table changes (a cheap `count, max(updated_at)` check per use).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from miniapp_api.errors import Forbidden, NotFound
from miniapp_api.storage import db, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones import geo
from miniapp_api.zones.errors import invalid
from miniapp_api.zones.models import (
    RoleZone,
    Zone,
)

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
    index = zone_index()
    try:
        return index.shape(zone_id)
    except KeyError:
        return None


def list_zones(with_geometry: bool, page: int, per_page: int, *, active_only: bool = True):
    query = select(Zone).order_by(Zone.district, Zone.name, Zone.id)
    if active_only:
        query = query.where(Zone.active.is_(True))
    result = paginate(query, page, per_page)
    result = replace(result, items=[zone_view(zone, with_geometry) for zone in result.items])
    return result


def zone_view(zone: Zone, with_geometry: bool) -> dict:
    view = {
        "id": zone.id,
        "name": zone.name,
        "district": zone.district,
        "kind": zone.kind,
        "parent_id": zone.parent_id,
        "active": zone.active,
    }
    if with_geometry:
        view["geometry"] = geo.ZoneShape.from_storage(zone.shape).to_geojson()
    return view


def get_zone(zone_id: int, *, active_only: bool = False) -> Zone:
    zone = db.session.get(Zone, zone_id)
    if zone is None or (active_only and not zone.active):
        raise NotFound("区域不存在")
    return zone


def _parse(geometry: Any, coord_type: str) -> geo.ZoneShape:
    try:
        return geo.parse_geometry(
            geometry, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
        )
    except geo.GeometryError as exc:
        raise invalid(exc.field, exc.message) from exc


def _check_parent(parent_id: int | None, own_id: int | None = None) -> None:
    seen = {own_id}
    while parent_id is not None:
        if parent_id in seen:
            raise invalid("parent_id", "上级区域不能形成循环")
        seen.add(parent_id)
        parent = db.session.get(Zone, parent_id)
        if parent is None:
            raise invalid("parent_id", "上级区域不存在")
        parent_id = parent.parent_id


@use_case
def create_zone(values: Mapping[str, Any]) -> Zone:
    shape = _parse(values["geometry"], values["coord_type"])
    _check_parent(values.get("parent_id"))
    zone = Zone(
        name=values["name"],
        district=values["district"],
        kind=values["kind"],
        parent_id=values.get("parent_id"),
        shape=shape.to_storage(),
        vertex_count=shape.vertex_count,
    )
    db.session.add(zone)
    return zone


@use_case
def update_zone(zone_id: int, values: Mapping[str, Any]) -> Zone:
    zone = get_zone(zone_id)
    values = dict(values)
    if "geometry" in values:
        if "coord_type" not in values:
            raise invalid("coord_type", "修改边界时必须说明坐标系（wgs84 或 gcj02）")
        shape = _parse(values.pop("geometry"), values.pop("coord_type"))
        zone.shape, zone.vertex_count = shape.to_storage(), shape.vertex_count
    values.pop("coord_type", None)
    if "parent_id" in values:
        _check_parent(values["parent_id"], zone.id)
    for key, value in values.items():
        setattr(zone, key, value)
    zone.updated_at = utcnow()
    return zone


@use_case
def deactivate_zone(zone_id: int) -> None:
    """Zones are never erased (enrollments and points refer to them): they go inactive."""
    zone = get_zone(zone_id)
    zone.active = False
    zone.updated_at = utcnow()


@use_case
def import_zones(path: Path, coord_type: str, progress=None) -> dict[str, int]:
    """Load a GeoJSON FeatureCollection whose features carry `slug, name, district, kind,
    parent` properties; create or update by slug. Validates everything first; commits."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise geo.GeometryError(f"无法读取 GeoJSON：{exc}", "-") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise geo.GeometryError("需要一个包含 features 的 FeatureCollection", "features")
    parsed = []
    for number, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        for key in ("slug", "name", "district", "kind"):
            if not isinstance(props.get(key), str) or not props[key]:
                raise geo.GeometryError(f"缺少属性 {key}", f"features[{number}].properties.{key}")
        try:
            shape = geo.parse_geometry(
                feature, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
            )
        except geo.GeometryError as exc:
            raise geo.GeometryError(exc.message, f"features[{number}].{exc.field}") from exc
        parsed.append((props, shape))
        if progress:
            progress(1)
    slugs = {props["slug"] for props, _shape in parsed}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {z.slug: z for z in db.session.scalars(select(Zone).where(Zone.slug.in_(slugs)))}
    for props, shape in parsed:
        values = {
            "name": props["name"],
            "district": props["district"],
            "kind": props["kind"],
            "shape": shape.to_storage(),
            "vertex_count": shape.vertex_count,
            "active": True,
        }
        zone = existing.get(props["slug"])
        if zone is None:
            zone = Zone(slug=props["slug"], **values)
            db.session.add(zone)
            existing[props["slug"]] = zone
            counts["created"] += 1
        elif any(getattr(zone, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(zone, key, value)
            zone.updated_at = utcnow()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    for props, _shape in parsed:
        parent = props.get("parent")
        if parent and parent not in existing:
            found = db.session.scalar(select(Zone).where(Zone.slug == parent))
            if found is None:
                raise geo.GeometryError(f"上级区域 {parent} 不存在", "properties.parent")
            existing[parent] = found
        parent_id = existing[parent].id if parent else None
        if existing[props["slug"]].parent_id != parent_id:
            existing[props["slug"]].parent_id = parent_id
    return counts


def zone_names(zone_ids: list[int]) -> dict[int, str]:
    if not zone_ids:
        return {}
    return dict(db.session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids))).all())


def managed_zone_ids(user: User) -> set[int] | None:
    """Zones an officer may manage: None for a city-wide admin, else the station admin's
    zones and everything below them."""
    if user.has_role("admin"):
        return None
    roots = set(
        db.session.scalars(
            select(RoleZone.zone_id).where(
                RoleZone.user_id == user.id, RoleZone.role == "station_admin"
            )
        )
    )
    managed, frontier = set(roots), set(roots)
    while frontier:
        children = set(db.session.scalars(select(Zone.id).where(Zone.parent_id.in_(frontier))))
        frontier = children - managed
        managed |= children
    return managed


def require_manages(officer: User, zone_id: int) -> None:
    managed = managed_zone_ids(officer)
    if managed is not None and zone_id not in managed:
        raise Forbidden("该区域不在您的管辖范围内")


def gcj02_location(values: Mapping[str, Any]) -> tuple[float, float]:
    lng, lat = geo.to_gcj02(values["longitude"], values["latitude"], values["coord_type"])
    return lng, lat
