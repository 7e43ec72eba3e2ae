"""Fence geometry, with no Flask and no database: datum conversion and distances
(`datum`), shapes and their stored form (`shapes`), parsing uploads (`parsing`), and the
containment decision with the spatial index (`containment`).

Every shape is kept in GCJ-02 lng/lat, the datum of Chinese maps and of
`wx.getLocation({type: "gcj02"})`, so the hot path converts nothing.
"""

from miniapp_api.zones.geo.containment import Decision, ZoneIndex, circle_meets, decide
from miniapp_api.zones.geo.datum import (
    COORD_TYPES,
    EARTH_RADIUS_M,
    METRES_PER_DEGREE,
    gcj02_to_wgs84,
    haversine_m,
    out_of_china,
    to_gcj02,
    wgs84_to_gcj02,
)
from miniapp_api.zones.geo.parsing import (
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    GeometryError,
    parse_geometry,
)
from miniapp_api.zones.geo.shapes import STORAGE_VERSION, ZoneShape, stored_geojson

__all__ = [
    "COORD_TYPES",
    "EARTH_RADIUS_M",
    "MAX_RADIUS_M",
    "METRES_PER_DEGREE",
    "MIN_RADIUS_M",
    "STORAGE_VERSION",
    "Decision",
    "GeometryError",
    "ZoneIndex",
    "ZoneShape",
    "circle_meets",
    "decide",
    "gcj02_to_wgs84",
    "haversine_m",
    "out_of_china",
    "parse_geometry",
    "stored_geojson",
    "to_gcj02",
    "wgs84_to_gcj02",
]
