"""Uploaded fences (GeoJSON, or a circle) parsed into a ZoneShape in GCJ-02, or refused
with a GeometryError that names the problem in Chinese and where it is."""

from __future__ import annotations

import math
import re
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon

from miniapp_api.zones.geo.datum import COORD_TYPES, to_gcj02, wgs84_to_gcj02
from miniapp_api.zones.geo.shapes import ZoneShape

MIN_RADIUS_M, MAX_RADIUS_M = 10, 50_000


class GeometryError(ValueError):
    """An uploaded fence is refused: `message` (Chinese, for the admin) and `field`
    (where in the request, e.g. "geometry.coordinates[0][3]")."""

    def __init__(self, message: str, field: str):
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


_VALIDITY_REASONS = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "边界环自相交（打结）",
    "Hole lies outside shell": "内环（挖空部分）超出了外边界",
    "Nested holes": "内环互相嵌套",
    "Interior is disconnected": "内环把区域分割成了不相连的几块",
    "Nested shells": "多个多边形互相嵌套",
    "Duplicate Rings": "存在重复的环",
    "Too few points": "有效顶点太少",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环没有闭合",
}
_REASON_AT = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


def parse_geometry(
    obj: Any, coord_type: str, *, max_vertices: int = 5000, field: str = "geometry"
) -> ZoneShape:
    """An uploaded fence as a ZoneShape in GCJ-02, or GeometryError naming the problem.

    Accepts GeoJSON Polygon, MultiPolygon, Feature (a polygon, or a Point with
    `properties.radius_m` meaning a circle), FeatureCollection (its polygons unioned,
    or exactly one circle) and `{"type": "Circle", "center": [lng, lat], "radius_m": r}`.
    `coord_type` ("wgs84" or "gcj02") is the datum of the uploaded coordinates; `field`
    is where `obj` sits in the request, used in error fields.
    """
    if coord_type not in COORD_TYPES:
        raise GeometryError("坐标类型必须是 wgs84 或 gcj02", "coord_type")
    return _Parser(coord_type, max_vertices).any(obj, field)


class _Parser:
    def __init__(self, coord_type: str, max_vertices: int):
        self.coord_type = coord_type
        self.max_vertices = max_vertices
        self.vertices = 0

    def any(self, obj: Any, path: str) -> ZoneShape:
        kind = _type_of(obj, path)
        if kind in ("Polygon", "MultiPolygon"):
            return ZoneShape(self.polygonal(obj, path))
        if kind == "Circle":
            return self.circle(
                obj.get("center"), obj.get("radius_m"), f"{path}.center", f"{path}.radius_m"
            )
        if kind == "Feature":
            return self.feature(obj, path)
        if kind == "FeatureCollection":
            return self.collection(obj, path)
        raise GeometryError(
            f"不支持的几何类型“{kind}”：应为 Polygon、MultiPolygon、Feature、"
            "FeatureCollection 或 Circle",
            f"{path}.type",
        )

    def feature(self, obj: dict, path: str) -> ZoneShape:
        geometry = obj.get("geometry")
        if geometry is None:
            raise GeometryError("要素缺少几何数据 geometry", f"{path}.geometry")
        kind = _type_of(geometry, f"{path}.geometry")
        if kind in ("Polygon", "MultiPolygon"):
            return ZoneShape(self.polygonal(geometry, f"{path}.geometry"))
        if kind == "Point":
            properties = obj.get("properties")
            radius = properties.get("radius_m") if isinstance(properties, dict) else None
            if radius is None:
                raise GeometryError(
                    "点要素表示圆形围栏，需要在 properties.radius_m 中给出半径（米）",
                    f"{path}.properties.radius_m",
                )
            return self.circle(
                geometry.get("coordinates"),
                radius,
                f"{path}.geometry.coordinates",
                f"{path}.properties.radius_m",
            )
        raise GeometryError(
            f"要素的几何类型“{kind}”不支持：应为 Polygon、MultiPolygon 或 Point（圆形）",
            f"{path}.geometry.type",
        )

    def collection(self, obj: dict, path: str) -> ZoneShape:
        features = obj.get("features")
        if not isinstance(features, list):
            raise GeometryError("FeatureCollection 需要 features 数组", f"{path}.features")
        if not features:
            raise GeometryError("几何图形为空：features 中没有任何要素", f"{path}.features")
        shapes = []
        for i, feature in enumerate(features):
            feature_path = f"{path}.features[{i}]"
            if _type_of(feature, feature_path) != "Feature":
                raise GeometryError("features 中的每一项都必须是 Feature", f"{feature_path}.type")
            shapes.append(self.feature(feature, feature_path))
        circles = [s for s in shapes if s.is_circle]
        if circles and len(circles) < len(shapes):
            raise GeometryError("同一个集合里不能混合圆形和多边形围栏", f"{path}.features")
        if len(circles) > 1:
            raise GeometryError("一个集合里只能有一个圆形围栏", f"{path}.features")
        if circles:
            return circles[0]
        union = shapely.union_all([s.geometry for s in shapes])
        if union.is_empty or not isinstance(union, Polygon | MultiPolygon):
            raise GeometryError("要素合并后不是有效的多边形", f"{path}.features")
        return ZoneShape(union)

    def circle(self, center: Any, radius: Any, center_path: str, radius_path: str) -> ZoneShape:
        if center is None:
            raise GeometryError("圆形围栏缺少圆心坐标", center_path)
        lng, lat = _position(center, center_path)
        if not _is_number(radius) or not math.isfinite(radius):
            raise GeometryError("半径 radius_m 必须是数字（米）", radius_path)
        if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            raise GeometryError(
                f"半径必须在 {MIN_RADIUS_M} 米到 {MAX_RADIUS_M} 米之间，当前为 {radius} 米",
                radius_path,
            )
        return ZoneShape.circle(*to_gcj02(lng, lat, self.coord_type), radius)

    def polygonal(self, obj: dict, path: str) -> Polygon | MultiPolygon:
        coordinates = obj.get("coordinates")
        coords_path = f"{path}.coordinates"
        if coordinates is None:
            raise GeometryError("缺少坐标 coordinates", coords_path)
        if not isinstance(coordinates, list):
            raise GeometryError("坐标 coordinates 必须是数组", coords_path)
        if not coordinates:
            raise GeometryError("几何图形为空：没有任何坐标", coords_path)
        if obj["type"] == "Polygon":
            return self.polygon(coordinates, coords_path)
        parts = []
        for i, part in enumerate(coordinates):
            if not isinstance(part, list) or not part:
                raise GeometryError("多多边形中的每个多边形都必须是非空数组", f"{coords_path}[{i}]")
            parts.append(self.polygon(part, f"{coords_path}[{i}]"))
        multi = MultiPolygon(parts)
        _check_valid(multi, coords_path, "多个多边形之间重叠或共用边界")
        return multi

    def polygon(self, rings: list, path: str) -> Polygon:
        parsed = [self.ring(ring, f"{path}[{i}]") for i, ring in enumerate(rings)]
        polygon = Polygon(parsed[0], parsed[1:])
        _check_valid(polygon, path)
        if self.coord_type == "gcj02":
            return polygon
        converted = [[wgs84_to_gcj02(lng, lat) for lng, lat in ring] for ring in parsed]
        polygon = Polygon(converted[0], converted[1:])
        _check_valid(polygon, path)  # the shift is smooth: only a hair-thin fence breaks
        return polygon

    def ring(self, ring: Any, path: str) -> list[tuple[float, float]]:
        if not isinstance(ring, list):
            raise GeometryError("多边形的环必须是坐标点数组", path)
        if len(ring) < 4:
            raise GeometryError(
                f"多边形的环至少需要 4 个坐标点（首尾相同），这里只有 {len(ring)} 个", path
            )
        self.vertices += len(ring) - 1
        if self.vertices > self.max_vertices:
            raise GeometryError(f"顶点总数超过上限 {self.max_vertices} 个", path)
        positions = [_position(p, f"{path}[{j}]") for j, p in enumerate(ring)]
        if positions[0] != positions[-1]:
            raise GeometryError(
                "多边形的环没有闭合：第一个坐标点和最后一个必须相同", f"{path}[{len(ring) - 1}]"
            )
        return positions


def _type_of(obj: Any, path: str) -> str:
    if not isinstance(obj, dict):
        raise GeometryError("几何数据必须是 JSON 对象", path)
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise GeometryError("缺少几何类型 type", f"{path}.type")
    return kind


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _position(value: Any, path: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise GeometryError("坐标点必须是 [经度, 纬度]", path)
    if not all(_is_number(v) for v in value):
        raise GeometryError("坐标点的经度和纬度必须是数字", path)
    lng, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lng) and math.isfinite(lat)):
        raise GeometryError("坐标不是有限的数字", path)
    if not -180 <= lng <= 180:
        raise GeometryError(f"经度 {lng} 超出范围（-180 到 180）", path)
    if not -90 <= lat <= 90:
        raise GeometryError(f"纬度 {lat} 超出范围（-90 到 90）", path)
    return lng, lat


def _check_valid(geometry: Polygon | MultiPolygon, path: str, overlap: str | None = None) -> None:
    if geometry.is_valid:
        return
    explained = shapely.is_valid_reason(geometry)
    match = _REASON_AT.match(explained)
    reason = match["reason"].strip() if match else explained
    text = _VALIDITY_REASONS.get(reason, "几何图形无效")
    if overlap and reason == "Self-intersection":
        text = overlap
    if match:
        text += f"，位置约在经度 {float(match['x']):.6f}、纬度 {float(match['y']):.6f}"
    raise GeometryError(f"围栏无效：{text}", path)
