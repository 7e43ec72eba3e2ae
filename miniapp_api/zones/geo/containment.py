"""Whether a reported position is in a zone (the edge rule), and an index of many zones."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from shapely.geometry import Point

from miniapp_api.zones.geo.shapes import ZoneShape


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


def circle_meets(shape: ZoneShape, lng_gcj: float, lat_gcj: float, radius_m: float) -> bool:
    """Whether a circle (centre in GCJ-02, radius in metres) lies inside the fence or
    overlaps it: its centre is inside, or the fence is at most `radius_m` from it."""
    if shape.contains(lng_gcj, lat_gcj):
        return True
    return shape.distance_to_edge_m(lng_gcj, lat_gcj) <= radius_m


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
