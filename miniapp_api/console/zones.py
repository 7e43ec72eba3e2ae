"""/console/zones: the zones in the officer's reach on a map and in a list; an admin draws
a new zone, redraws or edits one, imports a GeoJSON file and deactivates a zone, through
the admin API's use cases (`zones.admin_service`), so each change leaves the same audit
entry (`via: console`). Coordinates are GCJ-02 throughout."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import distinct, func, select

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.pages import load_form, service_errors
from miniapp_api.errors import ValidationFailed
from miniapp_api.storage import db
from miniapp_api.zones import admin_service
from miniapp_api.zones.admin_schemas import ZoneInputSchema
from miniapp_api.zones.geo import GeometryError
from miniapp_api.zones.geo.shapes import stored_geojson
from miniapp_api.zones.models import ZONE_KINDS, Enrollment, RoleZone, Zone

OFFICERS = ("admin", "station_admin")
MAP_LIMIT = 500  # zones drawn on the map (the list pages through all of them)
PER_PAGE = 20
KIND_LABELS = {
    "district": "区县",
    "town": "镇/街道",
    "street": "街道",
    "village": "村",
    "community": "社区",
    "site": "场所",
}
COORD_LABELS = [("gcj02", "GCJ-02（高德、腾讯地图）"), ("wgs84", "WGS-84（GPS 设备）")]
ZONE_FIELDS = ("name", "district", "kind", "parent_id")


def head_counts(zone_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per zone: its promoters and its enrolled volunteers."""
    if not zone_ids:
        return {}
    promoters = dict(
        db.session.execute(
            select(RoleZone.zone_id, func.count())
            .where(RoleZone.role == "promoter", RoleZone.zone_id.in_(zone_ids))
            .group_by(RoleZone.zone_id)
        ).all()
    )
    volunteers = dict(
        db.session.execute(
            select(Enrollment.zone_id, func.count(distinct(Enrollment.volunteer_id)))
            .where(Enrollment.zone_id.in_(zone_ids))
            .group_by(Enrollment.zone_id)
        ).all()
    )
    return {z: (promoters.get(z, 0), volunteers.get(z, 0)) for z in zone_ids}


def map_features(zones: list[Zone], skip: int | None = None) -> dict:
    """The zones as a GeoJSON FeatureCollection for the map (each links to its page)."""
    features = []
    for zone in zones:
        if zone.id == skip:
            continue
        properties = {
            "name": zone.name,
            "active": zone.active,
            "href": url_for("console.zone", zone_id=zone.id),
        }
        geometry = stored_geojson(zone.shape)
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def page_context(officer, **extra: Any) -> dict:
    """What the list page and the zone page both show: the map's zones and the options."""
    on_map = admin_service.all_zones(officer, True, 1, MAP_LIMIT).items
    editing, can_edit = extra.get("zone"), officer.has_role("admin")
    return {
        "active_section": "zones",
        "kind_labels": KIND_LABELS,
        "kind_options": [(kind, KIND_LABELS[kind]) for kind in ZONE_KINDS],
        "coord_options": COORD_LABELS,
        "parent_options": [("", "（无上级）")] + [(z.id, z.name) for z in on_map],
        "names": {z.id: z.name for z in on_map},
        "features": map_features(on_map, editing.id if editing and can_edit else None),
        "tile_url": current_app.config.get("CONSOLE_TILE_URL"),
        "can_edit": can_edit,
        "values": {},
        "errors": {},
        **extra,
    }


def boundary_errors(errors: dict[str, str]) -> dict[str, str]:
    """A problem anywhere in the outline (`geometry.coordinates…`) shown at its field."""
    out = {}
    for key, message in errors.items():
        out.setdefault("geometry" if key.startswith("geometry") else key, message)
    return out


def zone_values(form) -> tuple[dict | None, dict[str, str]]:
    """The zone form as the admin API's ZoneInputSchema reads it (the boundary drawn on
    the map arrives as GeoJSON text)."""
    data: dict[str, Any] = {key: form.get(key, "").strip() for key in ZONE_FIELDS}
    data["parent_id"] = int(data["parent_id"]) if data["parent_id"].isdigit() else None
    data["coord_type"] = form.get("coord_type", "gcj02")
    try:
        data["geometry"] = json.loads(form.get("geometry") or "null")
    except ValueError:
        return None, {"geometry": "边界不是有效的 GeoJSON"}
    if data["geometry"] is None:
        return None, {"geometry": "请在地图上绘制区域边界"}
    values, errors = load_form(ZoneInputSchema(), data)
    return values, boundary_errors(errors)


@console_bp.get("/zones")
@officer_required(*OFFICERS)
def zones():
    """The zones in reach: map and list."""
    officer = current_officer()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listed = admin_service.all_zones(officer, False, page, PER_PAGE)
    context = page_context(officer, listed=listed, counts=head_counts([z.id for z in listed.items]))
    return render_template("console/zones/index.html", **context)


@console_bp.post("/zones")
@officer_required("admin")
def create_zone():
    """A new zone drawn on the map."""
    officer = current_officer()
    values, errors = zone_values(request.form)
    if values is not None:
        try:
            zone = admin_service.create_zone(values, officer)
        except ValidationFailed as exc:
            errors = boundary_errors(service_errors(exc))
        else:
            flash(f"已新建区域“{zone.name}”。", "success")
            return redirect(url_for("console.zone", zone_id=zone.id))
    listed = admin_service.all_zones(officer, False, 1, PER_PAGE)
    context = page_context(officer, listed=listed, counts=head_counts([z.id for z in listed.items]))
    context.update(values=request.form, errors=errors)
    return render_template("console/zones/index.html", **context), 422


@console_bp.get("/zones/<int:zone_id>")
@officer_required(*OFFICERS)
def zone(zone_id: int):
    """One zone: its outline to redraw and its fields (an admin edits them)."""
    officer = current_officer()
    found = admin_service.zone_in_reach(officer, zone_id)
    return render_template("console/zones/detail.html", **zone_context(officer, found))


def zone_context(officer, found: Zone, values=None, errors=None) -> dict:
    outline = {"type": "FeatureCollection", "features": [map_features([found])["features"][0]]}
    current = {key: getattr(found, key) for key in ZONE_FIELDS}
    current.update(geometry=json.dumps(outline, ensure_ascii=False), coord_type="gcj02")
    context = page_context(officer, zone=found, counts=head_counts([found.id]))
    context.update(values=values or current, errors=errors or {})
    return context


@console_bp.post("/zones/<int:zone_id>")
@officer_required("admin")
def update_zone(zone_id: int):
    """Save the zone's fields and its (re)drawn outline."""
    officer = current_officer()
    found = admin_service.zone_in_reach(officer, zone_id)
    values, errors = zone_values(request.form)
    if values is not None:
        try:
            admin_service.update_zone(zone_id, values, officer)
        except ValidationFailed as exc:
            errors = boundary_errors(service_errors(exc))
        else:
            flash("区域已保存。", "success")
            return redirect(url_for("console.zone", zone_id=zone_id))
    context = zone_context(officer, found, request.form, errors)
    return render_template("console/zones/detail.html", **context), 422


@console_bp.post("/zones/<int:zone_id>/deactivate")
@officer_required("admin")
def deactivate_zone(zone_id: int):
    """Deactivate (zones are never erased)."""
    officer = current_officer()
    admin_service.zone_in_reach(officer, zone_id)
    admin_service.deactivate_zone(zone_id, officer)
    flash("区域已停用。", "success")
    return redirect(url_for("console.zone", zone_id=zone_id))


@console_bp.post("/zones/import")
@officer_required("admin")
def import_zones():
    """A GeoJSON FeatureCollection, as `flask zones import` loads it: all or nothing."""
    upload = request.files.get("file")
    coord_type = request.form.get("coord_type", "")
    if upload is None or not upload.filename:
        flash("请选择要导入的 GeoJSON 文件。", "error")
        return redirect(url_for("console.zones"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zones.geojson"
        upload.save(path)
        try:
            counts = admin_service.import_zones_by(current_officer(), path, coord_type)
        except GeometryError as exc:
            flash(f"导入失败（未写入任何区域）：{exc.field}：{exc.message}", "error")
            return redirect(url_for("console.zones"))
    message = "导入完成：新建 {created} 个，更新 {updated} 个，未变 {unchanged} 个。"
    flash(message.format(**counts), "success")
    return redirect(url_for("console.zones"))
