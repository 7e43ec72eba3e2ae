"""Zones: irregular, nested fences around Cixi in GCJ-02, in the app's storage format.

Twenty towns and streets (synthetic shapes, not official boundaries) on a jittered grid
over Cixi, each holding communities that lie wholly inside it and never overlap.
Every polygon is star-shaped around its centre (radii vary by angle), so the centre,
and any point near it, is inside.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
CIXI_LNG, CIXI_LAT = 121.27, 30.17
# Real names of Cixi's streets and towns; the shapes below are made up.
TOWNS = (
    ("浒山街道", "street"),
    ("白沙路街道", "street"),
    ("古塘街道", "street"),
    ("坎墩街道", "street"),
    ("宗汉街道", "street"),
    ("观海卫镇", "town"),
    ("附海镇", "town"),
    ("桥头镇", "town"),
    ("匡堰镇", "town"),
    ("逍林镇", "town"),
    ("新浦镇", "town"),
    ("胜山镇", "town"),
    ("横河镇", "town"),
    ("崇寿镇", "town"),
    ("庵东镇", "town"),
    ("长河镇", "town"),
    ("周巷镇", "town"),
    ("掌起镇", "town"),
    ("龙山镇", "town"),
    ("杭州湾新区", "street"),
)
TOWN_RADIUS_M = 3_600
COMMUNITY_RADIUS_M = (300, 550)
GRID_COLUMNS = 5
GRID_STEP_M = (9_000, 8_200)  # east, north


@dataclass
class ZoneRow:
    id: int
    name: str
    kind: str
    parent_id: int | None
    center: tuple[float, float]  # lng, lat (GCJ-02)
    polygon: Polygon

    @property
    def vertex_count(self) -> int:
        return len(self.polygon.exterior.coords) - 1

    def storage(self) -> str:
        """`ZoneShape.to_storage()` of the app: version 1, GCJ-02, GeoJSON, outer ring CCW."""
        ring = [[round(x, 7), round(y, 7)] for x, y in self.polygon.exterior.coords]
        shape = {"type": "Polygon", "coordinates": [ring]}
        return json.dumps({"version": 1, "datum": "gcj02", "shape": shape})


def _offset(lng: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    d_lat = north_m / METRES_PER_DEGREE
    d_lng = east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lng + d_lng, lat + d_lat


def star_polygon(
    rng: np.random.Generator, center: tuple[float, float], radius_m: float, vertices: int
) -> Polygon:
    """Jittered, increasing angles (counter-clockwise, no gap of half a turn, so the centre
    is inside), radii 65-100% of `radius_m`, smoothed."""
    steps = np.arange(vertices) + rng.uniform(-0.35, 0.35, vertices)
    angles = steps * (2 * math.pi / vertices)
    noise = rng.uniform(0.65, 1.0, vertices)
    radii = radius_m * (noise + np.roll(noise, 1) + np.roll(noise, -1)) / 3
    points = [
        _offset(*center, r * math.cos(a), r * math.sin(a))
        for a, r in zip(angles.tolist(), radii.tolist(), strict=True)
    ]
    return Polygon(points)


def build_zones(rng: np.random.Generator, total: int, first_id: int) -> list[ZoneRow]:
    """`total` zones: the towns first, then communities spread over them."""
    towns: list[ZoneRow] = []
    rows_count = math.ceil(len(TOWNS) / GRID_COLUMNS)
    for index, (name, kind) in enumerate(TOWNS):
        column, row = index % GRID_COLUMNS, index // GRID_COLUMNS
        east = (column - (GRID_COLUMNS - 1) / 2) * GRID_STEP_M[0] + rng.uniform(-600, 600)
        north = (row - (rows_count - 1) / 2) * GRID_STEP_M[1] + rng.uniform(-600, 600)
        center = _offset(CIXI_LNG, CIXI_LAT, east, north)
        polygon = star_polygon(rng, center, TOWN_RADIUS_M, int(rng.integers(20, 31)))
        towns.append(ZoneRow(first_id + index, name, kind, None, center, polygon))
    zones = list(towns)
    communities = total - len(towns)
    for index in range(communities):
        town = towns[index % len(towns)]
        number = index // len(towns) + 1
        kind = "community" if number % 3 else "village"
        suffix = "社区" if kind == "community" else "村"
        zones.append(_community(rng, town, zones, len(zones) + first_id, number, kind, suffix))
    return zones


def _community(rng, town: ZoneRow, placed: list[ZoneRow], zone_id, number, kind, suffix):
    siblings = [zone.polygon for zone in placed if zone.parent_id == town.id]
    for _attempt in range(500):
        distance = rng.uniform(0, TOWN_RADIUS_M * 0.55)
        angle = rng.uniform(0, 2 * math.pi)
        center = _offset(*town.center, distance * math.cos(angle), distance * math.sin(angle))
        radius = rng.uniform(*COMMUNITY_RADIUS_M)
        polygon = star_polygon(rng, center, radius, int(rng.integers(8, 21)))
        if town.polygon.contains(polygon) and not any(polygon.intersects(s) for s in siblings):
            name = f"{town.name.removesuffix('街道').removesuffix('镇')}第{number}{suffix}"
            return ZoneRow(zone_id, name, kind, town.id, center, polygon)
    raise RuntimeError(f"no room left in {town.name} for community {number}")
