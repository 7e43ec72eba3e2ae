"""`flask zones import`: zones from a GeoJSON file, created or updated by slug, all or
nothing (every feature is checked before anything is written)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from miniapp_api.audit.service import audited, record
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.zones import geo
from miniapp_api.zones.models import Zone

REQUIRED_PROPERTIES = ("slug", "name", "district", "kind")

Parsed = tuple[dict[str, Any], geo.ZoneShape]  # a feature's properties and its fence


@use_case
def import_zones(
    path: Path, coord_type: str, progress: Callable[[int], object] | None = None
) -> dict[str, int]:
    """Load a GeoJSON FeatureCollection whose features carry `slug, name, district, kind,
    parent` properties; create or update by slug. Validates everything first, and raises
    `geo.GeometryError` (nothing written) for the first problem found. Returns how many
    zones were created, updated and left unchanged."""
    parsed = []
    for number, feature in enumerate(_features(path)):
        parsed.append(_parse_feature(feature, number, coord_type))
        if progress:
            progress(1)
    by_slug, counts = _upsert(parsed)
    _link_parents(parsed, by_slug)
    return counts


@audited
def import_zones_by(officer: User, path: Path, coord_type: str) -> dict[str, int]:
    """`import_zones` for an officer (the console's GeoJSON upload): audited as one
    `zone.import` entry with the counts (no coordinates in the log)."""
    counts = import_zones(path, coord_type)
    record(officer, "zone.import", "zone", changes={"counts": [None, counts]})
    return counts


def _features(path: Path) -> list:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise geo.GeometryError(f"无法读取 GeoJSON：{exc}", "-") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise geo.GeometryError("需要一个包含 features 的 FeatureCollection", "features")
    return features


def _parse_feature(feature: Any, number: int, coord_type: str) -> Parsed:
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    for key in REQUIRED_PROPERTIES:
        if not isinstance(props.get(key), str) or not props[key]:
            raise geo.GeometryError(f"缺少属性 {key}", f"features[{number}].properties.{key}")
    try:
        shape = geo.parse_geometry(
            feature, coord_type, max_vertices=current_app.config["ZONE_MAX_VERTICES"]
        )
    except geo.GeometryError as exc:
        raise geo.GeometryError(exc.message, f"features[{number}].{exc.field}") from exc
    return props, shape


def _upsert(parsed: list[Parsed]) -> tuple[dict[str, Zone], dict[str, int]]:
    """Create or update each zone by slug: the zones by slug, and the counts."""
    slugs = {props["slug"] for props, _shape in parsed}
    by_slug = {z.slug: z for z in db.session.scalars(select(Zone).where(Zone.slug.in_(slugs)))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for props, shape in parsed:
        values = {
            "name": props["name"],
            "district": props["district"],
            "kind": props["kind"],
            "shape": shape.to_storage(),
            "vertex_count": shape.vertex_count,
            "active": True,
        }
        zone = by_slug.get(props["slug"])
        if zone is None:
            by_slug[props["slug"]] = Zone(slug=props["slug"], **values)
            db.session.add(by_slug[props["slug"]])
            counts["created"] += 1
        elif any(getattr(zone, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(zone, key, value)
            zone.updated_at = utcnow()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return by_slug, counts


def _link_parents(parsed: list[Parsed], by_slug: dict[str, Zone]) -> None:
    """Point each zone at its `parent` slug, in the file or already stored."""
    for props, _shape in parsed:
        parent = props.get("parent")
        if parent and parent not in by_slug:
            found = db.session.scalar(select(Zone).where(Zone.slug == parent))
            if found is None:
                raise geo.GeometryError(f"上级区域 {parent} 不存在", "properties.parent")
            by_slug[parent] = found
        parent_id = by_slug[parent].id if parent else None
        if by_slug[props["slug"]].parent_id != parent_id:
            by_slug[props["slug"]].parent_id = parent_id
