"""A fence in GCJ-02 (a (multi)polygon or a circle) and its stored form.

Shapely is planar: it answers point-in-polygon on raw degrees (exact for a point against
a ring), while distances in metres come from a local projection or haversine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from miniapp_api.zones.geo.datum import METRES_PER_DEGREE, haversine_m

STORAGE_VERSION = 1
_CIRCLE_SIDES = 64


def _circle_polygon(lng: float, lat: float, radius_m: float) -> Polygon:
    """A polygon around the circle (never inside it), 1% larger for the local projection's
    error: the index finds candidates by it, the exact test is haversine."""
    reach = radius_m / math.cos(math.pi / _CIRCLE_SIDES) * 1.01 + 1
    dy = reach / METRES_PER_DEGREE
    dx = dy / math.cos(math.radians(lat))
    angles = np.linspace(0, 2 * math.pi, _CIRCLE_SIDES, endpoint=False)
    return Polygon(np.column_stack([lng + dx * np.cos(angles), lat + dy * np.sin(angles)]))


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
        geojson = stored_geojson(data)
        if geojson["type"] == "Circle":
            return cls.circle(*geojson["center"], geojson["radius_m"])
        return cls(shape(geojson))

    def __repr__(self) -> str:
        if self.is_circle:
            return f"<ZoneShape circle {self.center} r={self.radius_m} m>"
        return f"<ZoneShape {self.geometry.geom_type} {self.vertex_count} vertices>"


def stored_geojson(data: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON (GCJ-02) of a stored shape, as `to_geojson` gave it when it was stored,
    without building the shape."""
    if data.get("version") != STORAGE_VERSION or data.get("datum") != "gcj02":
        raise ValueError(f"unsupported stored shape: {data.get('version')!r}")
    return data["shape"]


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    return [[[x, y] for x, y in ring.coords] for ring in (polygon.exterior, *polygon.interiors)]
