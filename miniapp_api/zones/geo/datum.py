"""WGS-84 <-> GCJ-02 conversion and distances on the sphere.

GCJ-02 is the datum of Chinese maps and of `wx.getLocation({type: "gcj02"})`; outside
mainland China it equals WGS-84.
"""

from __future__ import annotations

import math

COORD_TYPES = ("wgs84", "gcj02")
EARTH_RADIUS_M = 6_371_008.8  # mean radius, the same for haversine and the local projection
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180

# The GCJ-02 obfuscation: Krasovsky 1940 ellipsoid and the published polynomial.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


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
