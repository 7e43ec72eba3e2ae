"""Fence geometry: datum conversion against published values, containment, the edge
rule, refused uploads, the spatial index, and the sample zones in content/zones/."""

import json
import math
import random
import re
from pathlib import Path

import pytest

from miniapp_api.zones.geo import (
    METRES_PER_DEGREE,
    GeometryError,
    ZoneIndex,
    ZoneShape,
    circle_meets,
    decide,
    gcj02_to_wgs84,
    haversine_m,
    parse_geometry,
    stored_geojson,
    to_gcj02,
    wgs84_to_gcj02,
)

SAMPLE = Path(__file__).resolve().parents[2] / "content" / "zones" / "cixi-sample.geojson"
CIXI = (121.25, 30.17)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def offset(lng, lat, east_m=0.0, north_m=0.0):
    """The point `east_m` east and `north_m` north of (lng, lat), on the sphere."""
    return (
        lng + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
        lat + north_m / METRES_PER_DEGREE,
    )


def rect(lng, lat, half_w_m, half_h_m=None):
    half_h_m = half_w_m if half_h_m is None else half_h_m
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    return [list(offset(lng, lat, sx * half_w_m, sy * half_h_m)) for sx, sy in corners]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


# --- Datum conversion ---------------------------------------------------------------

# Published (WGS-84 lng, lat) -> (GCJ-02 lng, lat) pairs, each from an independent project.
PUBLISHED_PAIRS = [
    # wandergis/coordtransform, README.md and test/app.js ("wgs84togcj02: [ 116.41024…").
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    # googollee/eviltransform, go/transform_test.go and python/test.py (shanghai, shenzhen,
    # beijing; there written lat, lng).
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]
# Glatzel/pyxis, python/tests/test_crypto.py: a point across Hangzhou Bay from Cixi. Its
# implementation differs from the others in the last centimetre, hence its own tolerance.
PYXIS_PAIR = ((121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705))


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED_PAIRS)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    lng, lat = wgs84_to_gcj02(*wgs)
    assert lng == pytest.approx(gcj[0], abs=1e-9)
    assert lat == pytest.approx(gcj[1], abs=1e-9)


def test_wgs84_to_gcj02_matches_a_published_value_near_cixi():
    (wgs, gcj) = PYXIS_PAIR
    assert haversine_m(*wgs84_to_gcj02(*wgs), *gcj) < 0.05


@pytest.mark.parametrize(("wgs", "gcj"), [*PUBLISHED_PAIRS, PYXIS_PAIR])
def test_gcj02_to_wgs84_recovers_the_published_origin(wgs, gcj):
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.05


def test_round_trip_error_is_far_below_half_a_metre():
    rng = random.Random(6)
    points = [CIXI] + [(rng.uniform(75, 134), rng.uniform(5, 53)) for _ in range(500)]
    worst = max(haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(*p)), *p) for p in points)
    assert worst < 0.5
    assert worst < 0.01  # in fact millimetres


def test_the_offset_near_cixi_is_hundreds_of_metres():
    assert 300 < haversine_m(*CIXI, *wgs84_to_gcj02(*CIXI)) < 800


@pytest.mark.parametrize("point", [(139.6917, 35.6895), (2.3522, 48.8566), (-74.006, 40.7128)])
def test_outside_china_coordinates_are_unchanged(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_to_gcj02():
    assert to_gcj02(*CIXI, "gcj02") == CIXI
    assert to_gcj02(*CIXI, "wgs84") == wgs84_to_gcj02(*CIXI)
    with pytest.raises(ValueError, match="coord_type"):
        to_gcj02(*CIXI, "bd09")


# --- A polygon near Cixi: the decision rule -----------------------------------------


@pytest.fixture
def square():
    """About 300 m by 300 m, drawn in GCJ-02."""
    return parse_geometry(polygon(rect(*CIXI, 150)), "gcj02")


def test_inside(square):
    decision = decide(square, *CIXI, accuracy_m=30)
    assert (decision.inside, decision.how) == (True, "inside")
    assert decision.distance_to_edge_m == pytest.approx(150, rel=0.01)


def test_just_outside_within_accuracy_is_accepted_at_the_edge(square):
    point = offset(*CIXI, east_m=170)
    decision = decide(square, *point, accuracy_m=30)
    assert (decision.inside, decision.how) == (True, "edge")
    assert decision.distance_to_edge_m == pytest.approx(20, rel=0.01)


def test_outside_beyond_accuracy_is_refused(square):
    point = offset(*CIXI, east_m=170)
    decision = decide(square, *point, accuracy_m=10)
    assert (decision.inside, decision.how) == (False, "outside")
    assert decide(square, *offset(*CIXI, north_m=1000), accuracy_m=100).how == "outside"


def test_distance_matches_haversine_to_the_nearest_edge_point(square):
    edge = offset(*CIXI, east_m=150)
    point = offset(*CIXI, east_m=150 + 73.4, north_m=40)
    truth = haversine_m(*edge, point[0], edge[1])
    assert square.distance_to_edge_m(*point) == pytest.approx(truth, rel=0.01)
    assert decide(square, *point, 100).distance_to_edge_m == round(
        square.distance_to_edge_m(*point), 1
    )


def test_a_point_on_the_fence_is_accepted_even_with_perfect_accuracy(square):
    corner = tuple(square.to_geojson()["coordinates"][0][0])
    assert not square.contains(*corner)
    decision = decide(square, *corner, accuracy_m=0)
    assert (decision.inside, decision.how, decision.distance_to_edge_m) == (True, "edge", 0.0)


@pytest.mark.parametrize("accuracy", [-1, math.nan, math.inf])
def test_decide_refuses_a_meaningless_accuracy(square, accuracy):
    with pytest.raises(ValueError):
        decide(square, *CIXI, accuracy)


# --- Holes, circles -----------------------------------------------------------------


@pytest.fixture
def holed_multipolygon():
    """A 1 km square with a 300 m hole in its middle, and a second square 3 km east."""
    east = offset(*CIXI, east_m=3000)
    return parse_geometry(
        {
            "type": "MultiPolygon",
            "coordinates": [[rect(*CIXI, 500), rect(*CIXI, 150)], [rect(*east, 200)]],
        },
        "gcj02",
    )


def test_a_point_in_the_hole_is_outside_and_measured_to_the_hole(holed_multipolygon):
    shape = holed_multipolygon
    assert not shape.contains(*CIXI)
    assert shape.distance_to_edge_m(*CIXI) == pytest.approx(150, rel=0.01)
    assert decide(shape, *CIXI, accuracy_m=100).how == "outside"
    assert decide(shape, *CIXI, accuracy_m=200).how == "edge"


def test_points_in_either_part_are_inside(holed_multipolygon):
    shape = holed_multipolygon
    assert shape.contains(*offset(*CIXI, east_m=300))
    assert shape.contains(*offset(*CIXI, east_m=3000, north_m=100))
    assert not shape.contains(*offset(*CIXI, east_m=1500))
    assert shape.vertex_count == 12
    assert shape.to_geojson()["type"] == "MultiPolygon"


def test_a_circle():
    center = CIXI
    circle = parse_geometry({"type": "Circle", "center": list(center), "radius_m": 300}, "gcj02")
    assert circle.is_circle and circle.vertex_count == 0
    assert circle.contains(*offset(*center, north_m=250))
    assert not circle.contains(*offset(*center, north_m=320))
    assert circle.distance_to_edge_m(*offset(*center, east_m=320)) == pytest.approx(20, abs=0.1)
    assert decide(circle, *offset(*center, north_m=320), accuracy_m=25).how == "edge"
    assert decide(circle, *offset(*center, north_m=320), accuracy_m=15).how == "outside"
    min_lng, min_lat, max_lng, max_lat = circle.bounds
    for east, north in [(300, 0), (-300, 0), (0, 300), (0, -300), (212, 212)]:
        lng, lat = offset(*center, east, north)
        assert min_lng < lng < max_lng and min_lat < lat < max_lat
    assert circle.to_geojson() == {"type": "Circle", "center": list(center), "radius_m": 300.0}


# --- An event's circle against a fence ----------------------------------------------


def test_a_circle_inside_overlapping_or_far_from_a_polygon(holed_multipolygon):
    shape = holed_multipolygon
    inside = offset(*CIXI, east_m=300)
    assert circle_meets(shape, *inside, radius_m=50)
    north = offset(*CIXI, north_m=1500)  # 1 km north of the square's northern edge
    assert circle_meets(shape, *north, radius_m=1001)
    assert not circle_meets(shape, *north, radius_m=990)
    far = offset(*CIXI, north_m=17_000)
    assert not circle_meets(shape, *far, radius_m=5000)
    # Centred in the hole: it overlaps the ring around it once it is larger than the hole.
    assert circle_meets(shape, *CIXI, radius_m=160)
    assert not circle_meets(shape, *CIXI, radius_m=140)


def test_a_circle_against_a_circular_fence():
    fence = ZoneShape.circle(*CIXI, 300)
    assert circle_meets(fence, *offset(*CIXI, east_m=100), radius_m=20)
    assert circle_meets(fence, *offset(*CIXI, east_m=500), radius_m=210)
    assert not circle_meets(fence, *offset(*CIXI, east_m=500), radius_m=190)


def test_a_circle_given_in_wgs84_is_stored_in_gcj02():
    circle = parse_geometry({"type": "Circle", "center": list(CIXI), "radius_m": 300}, "wgs84")
    assert circle.center == pytest.approx(wgs84_to_gcj02(*CIXI))


# --- Datums: inside only after conversion -------------------------------------------


def test_a_gcj02_point_against_a_fence_drawn_in_wgs84():
    fence = polygon(rect(*CIXI, 150))  # WGS-84 coordinates
    person_gcj = wgs84_to_gcj02(*CIXI)  # standing in the middle, phone says GCJ-02
    taken_raw = parse_geometry(fence, "gcj02")
    assert not taken_raw.contains(*person_gcj)  # the ~500 m shift: the naive test fails
    shape = parse_geometry(fence, "wgs84")
    assert shape.contains(*person_gcj)
    assert decide(shape, *person_gcj, accuracy_m=10).how == "inside"


def test_a_wgs84_point_against_a_fence_drawn_in_gcj02():
    shape = parse_geometry(polygon(rect(*CIXI, 150)), "gcj02")
    person_wgs = gcj02_to_wgs84(*CIXI)
    assert not shape.contains(*person_wgs)
    assert shape.contains(*to_gcj02(*person_wgs, "wgs84"))


# --- Refused uploads ----------------------------------------------------------------

RING = rect(*CIXI, 150)
BOWTIE = [[121.25, 30.17], [121.26, 30.18], [121.26, 30.17], [121.25, 30.18], [121.25, 30.17]]


def _regular_ring(sides, radius_m):
    angles = [2 * math.pi * k / sides for k in range(sides)]
    ring = [list(offset(*CIXI, radius_m * math.cos(a), radius_m * math.sin(a))) for a in angles]
    return [*ring, ring[0]]


TWELVE = _regular_ring(12, 300)


def _with(position, index=2):
    ring = [list(p) for p in RING]
    ring[index] = position
    return polygon(ring)


def _feature(geometry, properties=None):
    return {"type": "Feature", "properties": properties or {}, "geometry": geometry}


def _circle(**members):
    return {"type": "Circle", "center": list(CIXI), "radius_m": 300, **members}


def _multi(*parts):
    return {"type": "MultiPolygon", "coordinates": list(parts)}


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


POINT = {"type": "Point", "coordinates": list(CIXI)}
LINE = {"type": "LineString", "coordinates": RING}
AT_2 = "geometry.coordinates[0][2]"

REFUSED = [
    ("not an object", [1, 2], "geometry", "JSON 对象"),
    ("unknown type", LINE, "geometry.type", "不支持"),
    ("missing type", {"coordinates": [RING]}, "geometry.type", "type"),
    ("missing coordinates", {"type": "Polygon"}, "geometry.coordinates", "缺少"),
    (
        "ill-typed coordinates",
        {"type": "Polygon", "coordinates": "x"},
        "geometry.coordinates",
        "数组",
    ),
    ("empty polygon", polygon(), "geometry.coordinates", "为空"),
    ("ring not a list", polygon("ring"), "geometry.coordinates[0]", "数组"),
    ("three positions", polygon([*RING[:2], RING[0]]), "geometry.coordinates[0]", "至少需要 4"),
    ("text position", _with(["121.25", 30.17]), AT_2, "数字"),
    ("boolean position", _with([True, 30.17]), AT_2, "数字"),
    ("one number", _with([121.25]), AT_2, "[经度, 纬度]"),
    ("longitude range", _with([181.0, 30.17]), AT_2, "经度"),
    ("latitude range", _with([121.25, -90.5]), AT_2, "纬度"),
    ("not a number", _with([math.nan, 30.17]), AT_2, "有限"),
    ("infinite", _with([121.25, math.inf]), AT_2, "有限"),
    ("unclosed", polygon([*RING[:4], RING[1]]), "geometry.coordinates[0][4]", "闭合"),
    ("self-intersection", polygon(BOWTIE), "geometry.coordinates", "自相交"),
    ("hole outside", polygon(RING, rect(*offset(*CIXI, 2000), 50)), "geometry.coordinates", "内环"),
    (
        "overlapping parts",
        _multi([RING], [rect(*offset(*CIXI, 100), 150)]),
        "geometry.coordinates",
        "重叠",
    ),
    ("empty part", _multi([RING], []), "geometry.coordinates[1]", "非空"),
    ("empty multipolygon", _multi(), "geometry.coordinates", "为空"),
    ("too many vertices", polygon(TWELVE), "geometry.coordinates[0]", "上限 10"),
    ("radius too small", _circle(radius_m=5), "geometry.radius_m", "10 米"),
    ("radius too large", _circle(radius_m=50_001), "geometry.radius_m", "50000"),
    ("radius as text", _circle(radius_m="300"), "geometry.radius_m", "数字"),
    ("radius NaN", _circle(radius_m=math.nan), "geometry.radius_m", "数字"),
    ("radius missing", _circle(radius_m=None), "geometry.radius_m", "数字"),
    ("circle without centre", _circle(center=None), "geometry.center", "圆心"),
    ("centre out of range", _circle(center=[121, 95]), "geometry.center", "纬度"),
    ("point without radius", _feature(POINT), "geometry.properties.radius_m", "radius_m"),
    ("feature of a line", _feature(LINE), "geometry.geometry.type", "不支持"),
    ("feature without geometry", _feature(None), "geometry.geometry", "缺少"),
    ("empty collection", _collection(), "geometry.features", "为空"),
    ("collection without list", {"type": "FeatureCollection"}, "geometry.features", "features"),
    ("item not a feature", _collection(polygon(RING)), "geometry.features[0].type", "Feature"),
    (
        "circle and polygon mixed",
        _collection(_feature(polygon(RING)), _feature(POINT, {"radius_m": 300})),
        "geometry.features",
        "混合",
    ),
    (
        "bad vertex inside a collection",
        _collection(_feature(polygon(RING)), _feature(_with([200, 0]))),
        "geometry.features[1].geometry.coordinates[0][2]",
        "经度",
    ),
]


@pytest.mark.parametrize(
    ("geometry", "field", "words"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_refused_geometry_names_the_problem_and_where(geometry, field, words):
    with pytest.raises(GeometryError) as caught:
        parse_geometry(geometry, "gcj02", max_vertices=10)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert words in error.message
    assert CHINESE.search(error.message)


def test_self_intersection_says_where():
    with pytest.raises(GeometryError) as caught:
        parse_geometry(polygon(BOWTIE), "gcj02")
    assert "经度 121.255000、纬度 30.175000" in caught.value.message


def test_an_unknown_coord_type_is_refused():
    with pytest.raises(GeometryError) as caught:
        parse_geometry(polygon(RING), "bd09")
    assert caught.value.field == "coord_type"


def test_the_vertex_limit_counts_every_ring_of_every_feature():
    feature = _feature(polygon(TWELVE))  # 12 vertices
    collection = {"type": "FeatureCollection", "features": [feature, feature]}
    assert parse_geometry(feature, "gcj02", max_vertices=12).vertex_count == 12
    with pytest.raises(GeometryError, match="上限"):
        parse_geometry(collection, "gcj02", max_vertices=20)


def test_the_field_prefix_follows_the_request():
    with pytest.raises(GeometryError) as caught:
        parse_geometry({"type": "Circle", "center": list(CIXI)}, "gcj02", field="place")
    assert caught.value.field == "place.radius_m"


# --- Features and collections -------------------------------------------------------


def test_a_feature_is_its_polygon():
    plain = parse_geometry(polygon(RING), "gcj02")
    feature = parse_geometry(_feature(polygon(RING), {"name": "x"}), "gcj02")
    assert feature.to_storage() == plain.to_storage()


def test_positions_may_carry_an_altitude():
    ring = [[*p, 12.5] for p in RING]
    assert parse_geometry(polygon(ring), "gcj02").contains(*CIXI)


def test_a_collection_is_the_union_of_its_polygons():
    west, east = offset(*CIXI, east_m=-100), offset(*CIXI, east_m=100)
    touching = {
        "type": "FeatureCollection",
        "features": [_feature(polygon(rect(*west, 100))), _feature(polygon(rect(*east, 100)))],
    }
    shape = parse_geometry(touching, "gcj02")
    assert shape.to_geojson()["type"] == "Polygon"
    assert shape.contains(*offset(*CIXI, east_m=-150)) and shape.contains(*offset(*CIXI, 150))
    far = offset(*CIXI, east_m=2000)
    apart = {**touching, "features": [touching["features"][0], _feature(polygon(rect(*far, 50)))]}
    assert parse_geometry(apart, "gcj02").to_geojson()["type"] == "MultiPolygon"


def test_a_point_with_radius_is_a_circle():
    feature = _feature({"type": "Point", "coordinates": list(CIXI)}, {"radius_m": 300})
    shape = parse_geometry(feature, "gcj02")
    assert shape.is_circle and shape.radius_m == 300 and shape.center == CIXI
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert parse_geometry(collection, "gcj02").to_storage() == shape.to_storage()
    with pytest.raises(GeometryError, match="只能有一个圆形"):
        parse_geometry({**collection, "features": [feature, feature]}, "gcj02")


# --- The index ----------------------------------------------------------------------


def test_the_index_answers_exactly_like_brute_force():
    rng = random.Random(2024)
    zones = []
    for zone_id in range(1, 301):
        lng, lat = rng.uniform(121.15, 121.35), rng.uniform(30.10, 30.25)
        size = rng.uniform(50, 800)
        if zone_id % 5 == 0:
            shape = ZoneShape.circle(lng, lat, size)
        else:
            shape = parse_geometry(polygon(rect(lng, lat, size)), "gcj02")
        zones.append((zone_id, shape))
    index = ZoneIndex(zones)
    assert len(index) == 300 and index.shape(5).is_circle
    hits = 0
    for _ in range(3000):
        lng, lat = rng.uniform(121.14, 121.36), rng.uniform(30.09, 30.26)
        expected = sorted(zone_id for zone_id, shape in zones if shape.contains(lng, lat))
        assert index.zones_containing(lng, lat) == expected
        hits += bool(expected)
    assert hits > 300  # the test did look inside zones
    # Right at a circle's rim, where its polygon's corners are tightest.
    for zone_id, shape in zones[4::5]:
        lng, lat = offset(*shape.center, north_m=shape.radius_m * 0.9999)
        assert zone_id in index.zones_containing(lng, lat)


def test_an_empty_index_and_duplicate_ids():
    assert ZoneIndex([]).zones_containing(*CIXI) == []
    shape = ZoneShape.circle(*CIXI, 100)
    with pytest.raises(ValueError, match="twice"):
        ZoneIndex([(1, shape), (1, shape)])


# --- Storage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "geometry",
    [
        polygon(RING, rect(*CIXI, 50)),
        {"type": "MultiPolygon", "coordinates": [[RING], [rect(*offset(*CIXI, 900), 80)]]},
        {"type": "Circle", "center": list(CIXI), "radius_m": 250},
    ],
    ids=["polygon with hole", "multipolygon", "circle"],
)
def test_storage_round_trip(geometry):
    shape = parse_geometry(geometry, "wgs84")
    stored = json.loads(json.dumps(shape.to_storage()))
    back = ZoneShape.from_storage(stored)
    assert back.to_storage() == shape.to_storage()
    assert back.vertex_count == shape.vertex_count
    for east in (-400, -100, 0, 60, 200, 900):
        point = offset(*wgs84_to_gcj02(*CIXI), east_m=east)
        assert back.contains(*point) == shape.contains(*point)
        assert back.distance_to_edge_m(*point) == pytest.approx(shape.distance_to_edge_m(*point))
    # what the API shows, read from storage without building the shape
    assert stored_geojson(stored) == back.to_geojson() == shape.to_geojson()


@pytest.mark.parametrize(
    "stored",
    [{"version": 99, "datum": "gcj02", "shape": {}}, {"version": 1, "datum": "wgs84", "shape": {}}],
)
def test_storage_refuses_an_unknown_version_or_datum(stored):
    with pytest.raises(ValueError):
        ZoneShape.from_storage(stored)
    with pytest.raises(ValueError):
        stored_geojson(stored)


# --- The sample zones ---------------------------------------------------------------


def test_the_sample_zones_are_valid_and_nested():
    collection = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["name"] and "不是官方" in collection["description"]
    properties = [feature["properties"] for feature in collection["features"]]
    slugs = [p["slug"] for p in properties]
    assert len(set(slugs)) == len(slugs)
    shapes = {}
    for i, feature in enumerate(collection["features"]):
        props = feature["properties"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", props["slug"])
        assert props["name"] and props["district"] == "慈溪市"
        assert props["kind"] in {"town", "street", "village", "community", "site"}
        assert props["parent"] is None or props["parent"] in slugs
        shapes[props["slug"]] = parse_geometry(feature, "gcj02", field=f"features[{i}]")
    top = [p["slug"] for p in properties if p["parent"] is None]
    assert len(top) >= 6
    for slug in top:
        assert 8 <= shapes[slug].vertex_count <= 16
        min_lng, min_lat, max_lng, max_lat = shapes[slug].bounds
        assert min_lng > 121.0 and max_lng < 121.7  # Cixi
        assert min_lat > 30.0 and max_lat < 30.4
        for other in top:
            if other != slug:
                assert not shapes[slug].geometry.intersects(shapes[other].geometry)
    children = [p for p in properties if p["parent"] is not None]
    assert {p["kind"] for p in children} == {"community", "site"}
    for child in children:
        assert shapes[child["parent"]].geometry.contains(shapes[child["slug"]].geometry)
    site = next(p["slug"] for p in children if p["kind"] == "site")
    assert shapes[site].is_circle and shapes[site].radius_m == 300
