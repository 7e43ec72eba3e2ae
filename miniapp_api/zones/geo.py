"""Fence geometry: datum conversion, parsing uploads, containment and the edge rule.

No Flask, no database. Every shape is kept in GCJ-02 lng/lat, the datum of Chinese maps
and of `wx.getLocation({type: "gcj02"})`, so the hot path converts nothing. Shapely is
planar: it answers point-in-polygon on raw degrees (exact for a point against a ring),
while distances in metres come from a local projection or haversine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

COORD_TYPES = ("wgs84", "gcj02")
EARTH_RADIUS_M = 6_371_008.8  # mean radius, the same for haversine and the local projection
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
MIN_RADIUS_M, MAX_RADIUS_M = 10, 50_000
STORAGE_VERSION = 1

# The GCJ-02 obfuscation: Krasovsky 1940 ellipsoid and the published polynomial.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_CIRCLE_SIDES = 64


# --- WGS-84 <-> GCJ-02 ----------------------------------------------------------------


def out_of_china(lng: float, lat: float) -> bool:
    """The customary rough box: outside it GCJ-02 equals WGS-84."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _gcj_offset(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    shared = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += shared
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += shared
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lng, d_lat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    d_lng, d_lat = _gcj_offset(lng, lat)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The inverse by fixed-point iteration: the offset changes by millimetres over the
    ~500 m it shifts, so a few rounds reach far below a centimetre."""
    if out_of_china(lng, lat):
        return lng, lat
    w_lng, w_lat = lng, lat
    for _ in range(10):
        d_lng, d_lat = _gcj_offset(w_lng, w_lat)
        err_lng, err_lat = w_lng + d_lng - lng, w_lat + d_lat - lat
        w_lng, w_lat = w_lng - err_lng, w_lat - err_lat
        if abs(err_lng) < 1e-11 and abs(err_lat) < 1e-11:
            break
    return w_lng, w_lat


def to_gcj02(lng: float, lat: float, coord_type: str) -> tuple[float, float]:
    if coord_type == "gcj02":
        return lng, lat
    if coord_type == "wgs84":
        return wgs84_to_gcj02(lng, lat)
    raise ValueError(f"unknown coord_type {coord_type!r}: expected 'wgs84' or 'gcj02'")


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _circle_polygon(lng: float, lat: float, radius_m: float) -> Polygon:
    """A polygon around the circle (never inside it), 1% larger for the local projection's
    error: the index finds candidates by it, the exact test is haversine."""
    reach = radius_m / math.cos(math.pi / _CIRCLE_SIDES) * 1.01 + 1
    dy = reach / METRES_PER_DEGREE
    dx = dy / math.cos(math.radians(lat))
    angles = np.linspace(0, 2 * math.pi, _CIRCLE_SIDES, endpoint=False)
    return Polygon(np.column_stack([lng + dx * np.cos(angles), lat + dy * np.sin(angles)]))


# --- Shapes -------------------------------------------------------------------------


class ZoneShape:
    """A fence in GCJ-02: a (multi)polygon, or a circle (centre and radius in metres).

    A circle keeps a polygon around it only for `bounds` and the spatial index;
    `contains` and distances use the true circle.
    """

    def __init__(
        self,
        polygon: Polygon | MultiPolygon | None = None,
        *,
        center: tuple[float, float] | None = None,
        radius_m: float | None = None,
    ):
        if (polygon is None) == (center is None):
            raise ValueError("a ZoneShape is either a polygon or a circle")
        self.center = center
        self.radius_m = None if radius_m is None else float(radius_m)
        if polygon is None:
            self.geometry = _circle_polygon(*center, self.radius_m)
            self._boundary = None
        else:
            self.geometry = shapely.orient_polygons(polygon)  # RFC 7946: outer rings CCW
            self._boundary = self.geometry.boundary
            shapely.prepare(self.geometry)

    @classmethod
    def circle(cls, lng: float, lat: float, radius_m: float) -> ZoneShape:
        return cls(center=(lng, lat), radius_m=radius_m)

    @property
    def is_circle(self) -> bool:
        return self.center is not None

    @property
    def vertex_count(self) -> int:
        """Distinct vertices (a ring's closing position not counted); 0 for a circle."""
        if self.is_circle:
            return 0
        count = 0
        for polygon in getattr(self.geometry, "geoms", [self.geometry]):
            for ring in (polygon.exterior, *polygon.interiors):
                count += len(ring.coords) - 1
        return count

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lng, min_lat, max_lng, max_lat); a circle's is slightly generous."""
        return tuple(self.geometry.bounds)

    def contains(self, lng: float, lat: float) -> bool:
        """Strictly inside (a point exactly on a polygon's boundary is not; the edge rule
        in `decide` accepts it at distance 0)."""
        if self.is_circle:
            return haversine_m(*self.center, lng, lat) <= self.radius_m
        return bool(shapely.contains_xy(self.geometry, lng, lat))

    def distance_to_edge_m(self, lng: float, lat: float) -> float:
        """Metres from the point to the nearest fence line (holes' rings included), from
        inside or outside. Polygons are measured in an equirectangular projection centred
        on the point: well under 1% off at the scale of a town."""
        if self.is_circle:
            return abs(haversine_m(*self.center, lng, lat) - self.radius_m)
        scale = np.array([METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE])
        origin = np.array([lng, lat])
        local = shapely.transform(self._boundary, lambda xy: (xy - origin) * scale)
        return float(shapely.distance(local, Point(0, 0)))

    def to_geojson(self) -> dict[str, Any]:
        if self.is_circle:
            return {"type": "Circle", "center": list(self.center), "radius_m": self.radius_m}
        if isinstance(self.geometry, Polygon):
            return {"type": "Polygon", "coordinates": _rings(self.geometry)}
        return {
            "type": "MultiPolygon",
            "coordinates": [_rings(part) for part in self.geometry.geoms],
        }

    def to_storage(self) -> dict[str, Any]:
        """A JSON-serialisable canonical form (GCJ-02), read back by `from_storage`."""
        return {"version": STORAGE_VERSION, "datum": "gcj02", "shape": self.to_geojson()}

    @classmethod
    def from_storage(cls, data: dict[str, Any]) -> ZoneShape:
        if data.get("version") != STORAGE_VERSION or data.get("datum") != "gcj02":
            raise ValueError(f"unsupported stored shape: {data.get('version')!r}")
        geojson = data["shape"]
        if geojson["type"] == "Circle":
            return cls.circle(*geojson["center"], geojson["radius_m"])
        return cls(shape(geojson))

    def __repr__(self) -> str:
        if self.is_circle:
            return f"<ZoneShape circle {self.center} r={self.radius_m} m>"
        return f"<ZoneShape {self.geometry.geom_type} {self.vertex_count} vertices>"


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    return [[[x, y] for x, y in ring.coords] for ring in (polygon.exterior, *polygon.interiors)]


# --- The decision -------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    inside: bool  # accepted
    how: str  # "inside", "edge" or "outside"
    distance_to_edge_m: float  # rounded to 0.1 m


def decide(shape: ZoneShape, lng_gcj: float, lat_gcj: float, accuracy_m: float) -> Decision:
    """Is a reported position (GCJ-02) with its accuracy (metres) in the zone?

    The rule: a position inside the fence is accepted ("inside"). A position outside is
    accepted ("edge") only when the fence is at most `accuracy_m` away, that is when the
    circle of uncertainty around the reported point reaches the fence, so the person may
    well be standing inside. Otherwise it is refused ("outside"). A poor accuracy does
    not widen the zone beyond that: the caller caps the accuracy it accepts (100 m by
    default) before asking.
    """
    if not math.isfinite(accuracy_m) or accuracy_m < 0:
        raise ValueError("accuracy_m must be a finite number >= 0")
    distance = shape.distance_to_edge_m(lng_gcj, lat_gcj)
    rounded = round(distance, 1)
    if shape.contains(lng_gcj, lat_gcj):
        return Decision(True, "inside", rounded)
    if distance <= accuracy_m:
        return Decision(True, "edge", rounded)
    return Decision(False, "outside", rounded)


# --- The index ----------------------------------------------------------------------


class ZoneIndex:
    """Many zones: an STRtree over their polygons finds candidates near a point, then
    each candidate is tested exactly."""

    def __init__(self, zones: Iterable[tuple[int, ZoneShape]]):
        self._ids: list[int] = []
        self._shapes: dict[int, ZoneShape] = {}
        for zone_id, zone_shape in zones:
            if zone_id in self._shapes:
                raise ValueError(f"zone {zone_id} given twice")
            self._ids.append(zone_id)
            self._shapes[zone_id] = zone_shape
        self._tree = shapely.STRtree([self._shapes[i].geometry for i in self._ids])

    def zones_containing(self, lng: float, lat: float) -> list[int]:
        """Ids of the zones containing the point, ascending."""
        candidates = self._tree.query(Point(lng, lat))
        found = (self._ids[i] for i in candidates.tolist())
        return sorted(zone_id for zone_id in found if self._shapes[zone_id].contains(lng, lat))

    def shape(self, zone_id: int) -> ZoneShape:
        return self._shapes[zone_id]

    def __len__(self) -> int:
        return len(self._ids)


# --- Parsing uploads ----------------------------------------------------------------


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
