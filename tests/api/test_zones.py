"""Zones, promoter applications and codes, enrollment and events through HTTP."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.wechat.client import WeChatClient
from miniapp_api.wechat.token_cache import DatabaseTokenStore
from miniapp_api.zones import geo
from miniapp_api.zones.models import Enrollment, EnrollmentCode, ScanPosition, Zone
from tests.factories import EnrollmentFactory, PromoterFactory
from tests.helpers import assert_error, fire_at_once

# A square fence near Cixi in GCJ-02: about 960 m east-west and 1,110 m north-south.
WEST, EAST, SOUTH, NORTH = 121.25, 121.26, 30.17, 30.18
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]],
}
CENTRE = (121.255, 30.175)
METRES_PER_DEGREE_LAT = 111_320


def create_zone(client, headers, geometry=SQUARE, coord_type="gcj02", **values):
    payload = {"name": "测试街道", "district": "慈溪市", "kind": "street", **values}
    response = client.post(
        "/api/v1/admin/zones",
        json={**payload, "coord_type": coord_type, "geometry": geometry},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"])


@pytest.fixture
def zone(client, admin, auth_headers):
    return create_zone(client, auth_headers(admin))


@pytest.fixture
def promoter(client, make_user, admin, zone, auth_headers):
    """A resident who applied for the zone and was approved."""
    user = make_user(nickname="王宣传员")
    response = client.post(
        "/api/v1/promoter-applications",
        json={
            "zone_id": zone["id"],
            "real_name": "王芳",
            "phone": "13800138000",
            "organisation": "宗汉街道社区",
        },
        headers=auth_headers(user),
    )
    assert response.status_code == 201, response.get_json()
    approved = client.post(
        f"/api/v1/admin/promoter-applications/{response.get_json()['id']}/approve",
        headers=auth_headers(admin),
    )
    assert approved.get_json()["status"] == "approved"
    return user


def scene_of(client, headers):
    body = client.get("/api/v1/promoter/qrcode", headers=headers).get_json()
    return body["scene"]


def scan(client, headers, scene, lng=CENTRE[0], lat=CENTRE[1], coord_type="gcj02", accuracy=20):
    return client.post(
        "/api/v1/enrollments",
        json={
            "scene": scene,
            "longitude": lng,
            "latitude": lat,
            "coord_type": coord_type,
            "accuracy": accuracy,
        },
        headers=headers,
    )


def ledger(user_id):
    return [
        (e.reason, e.delta, e.zone_id)
        for e in db.session.scalars(
            select(PointsEntry).where(PointsEntry.user_id == user_id).order_by(PointsEntry.id)
        )
    ]


# ---- zones ------------------------------------------------------------------------


def test_zones_are_listed_with_optional_geometry(client, zone):
    body = client.get("/api/v1/zones").get_json()
    assert (body["page"], body["total"]) == (1, 1)
    assert body["items"] == [
        {
            "id": zone["id"],
            "name": "测试街道",
            "district": "慈溪市",
            "kind": "street",
            "parent_id": None,
            "active": True,
        }
    ]
    with_geometry = client.get("/api/v1/zones?geometry=1").get_json()["items"][0]
    assert with_geometry["geometry"]["type"] == "Polygon"


@pytest.mark.parametrize(
    ("geometry", "field"),
    [
        (  # a bow tie: self-intersecting
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "geometry",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "geometry"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "geometry"),
        ({"type": "Circle", "center": [121.2, 30.1], "radius_m": 1}, "geometry"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "geometry"),
    ],
)
def test_invalid_geometry_is_refused_and_nothing_stored(
    client, admin, auth_headers, geometry, field
):
    response = client.post(
        "/api/v1/admin/zones",
        json={
            "name": "坏区域",
            "district": "慈溪市",
            "kind": "site",
            "coord_type": "gcj02",
            "geometry": geometry,
        },
        headers=auth_headers(admin),
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert any(key.startswith(field) for key in body["errors"]["json"]), body
    assert client.get("/api/v1/zones").get_json()["items"] == []


def test_zone_admin_needs_the_admin_role(client, make_user, auth_headers):
    station = auth_headers(make_user(roles=["station_admin"]))
    response = client.post(
        "/api/v1/admin/zones",
        json={
            "name": "x区",
            "district": "慈溪市",
            "kind": "town",
            "coord_type": "gcj02",
            "geometry": SQUARE,
        },
        headers=station,
    )
    assert_error(response, 403, "FORBIDDEN")


# ---- applications ----------------------------------------------------------------------


def test_applications_are_decided_by_officers_of_the_zone(
    client, make_user, admin, zone, auth_headers
):
    other_zone = create_zone(
        client,
        auth_headers(admin),
        {"type": "Circle", "center": [121.3, 30.2], "radius_m": 300},
        name="某广场",
        kind="site",
    )
    applicant = make_user()
    headers = auth_headers(applicant)
    form = {
        "zone_id": zone["id"],
        "real_name": "李明",
        "phone": "13912345678",
        "organisation": "社区",
    }
    created = client.post("/api/v1/promoter-applications", json=form, headers=headers)
    assert created.status_code == 201
    again = client.post("/api/v1/promoter-applications", json=form, headers=headers)
    assert_error(again, 409, "APPLICATION_PENDING")
    bad_phone = client.post(
        "/api/v1/promoter-applications", json={**form, "phone": "12345"}, headers=headers
    )
    assert "phone" in assert_error(bad_phone, 422, "VALIDATION_ERROR")["errors"]["json"]
    elsewhere = make_user(roles=["station_admin"])
    client.post(
        f"/api/v1/admin/users/{elsewhere.id}/roles",
        json={"role": "station_admin", "zone_ids": [other_zone["id"]]},
        headers=auth_headers(admin),
    )
    app_id = created.get_json()["id"]
    listed = client.get("/api/v1/admin/promoter-applications", headers=auth_headers(elsewhere))
    assert listed.get_json()["items"] == []
    hidden = client.post(
        f"/api/v1/admin/promoter-applications/{app_id}/approve", headers=auth_headers(elsewhere)
    )
    assert_error(hidden, 404, "NOT_FOUND")  # another zone's object: no hint that it exists
    no_reason = client.post(
        f"/api/v1/admin/promoter-applications/{app_id}/reject", json={}, headers=auth_headers(admin)
    )
    assert_error(no_reason, 422, "VALIDATION_ERROR")
    rejected = client.post(
        f"/api/v1/admin/promoter-applications/{app_id}/reject",
        json={"reason": "请补充单位证明"},
        headers=auth_headers(admin),
    )
    assert rejected.get_json()["status"] == "rejected"
    mine = client.get("/api/v1/promoter-applications/mine", headers=headers).get_json()["items"]
    assert [(a["status"], a["reason"]) for a in mine] == [("rejected", "请补充单位证明")]
    assert_error(client.get("/api/v1/promoter/qrcode", headers=headers), 403, "FORBIDDEN")


# ---- codes -------------------------------------------------------------------------------


def test_promoter_code_as_json_png_and_svg_and_rotation(client, promoter, auth_headers):
    headers = auth_headers(promoter)
    code = client.get("/api/v1/promoter/qrcode", headers=headers).get_json()
    assert len(code["scene"]) <= 32 and code["scene"].isalnum()
    assert code["enroll_url"].endswith(f"/enroll?scene={code['scene']}")
    assert code["kind"] == "qrcode" and code["expires_at"] is None
    assert client.get("/api/v1/promoter/qrcode", headers=headers).get_json() == code  # stable
    png = client.get("/api/v1/promoter/qrcode?format=png", headers=headers)
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.get("/api/v1/promoter/qrcode?format=svg", headers=headers)
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    rotated = client.post(
        "/api/v1/promoter/qrcode/rotate", json={"expires_in_days": 7}, headers=headers
    )
    assert rotated.status_code == 201
    new = rotated.get_json()
    assert new["scene"] != code["scene"] and new["expires_at"] is not None


def _wechat_app(app_factory, respond):
    app = app_factory(WECHAT_APPID="wx-test", WECHAT_SECRET="s" * 32)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json={"access_token": "token", "expires_in": 7200})
        return respond(request)

    app.extensions["wechat"] = WeChatClient(
        "wx-test",
        "s" * 32,
        DatabaseTokenStore(),
        transport=httpx.MockTransport(handler),
    )
    return app, calls


def _promoter_on(app, make_user, auth_headers):
    client = app.test_client()
    admin = make_user(roles=["admin"])
    zone = create_zone(client, auth_headers(admin))
    user = make_user()
    client.post(
        f"/api/v1/admin/users/{user.id}/roles",
        json={"role": "promoter", "zone_ids": [zone["id"]]},
        headers=auth_headers(admin),
    )
    return client, user


def test_a_wechat_error_reply_is_never_saved_as_an_image(app_factory, make_user, auth_headers):
    app, calls = _wechat_app(
        app_factory,
        lambda r: httpx.Response(200, json={"errcode": 41030, "errmsg": "invalid page"}),
    )
    with app.app_context():
        client, user = _promoter_on(app, make_user, auth_headers)
        response = client.get("/api/v1/promoter/qrcode?format=png", headers=auth_headers(user))
        assert_error(response, 503, "WECHAT_UNAVAILABLE")
        assert db.session.scalar(select(EnrollmentCode.wxacode)) is None
        assert calls.count("/wxa/getwxacodeunlimit") == 1


def test_a_wechat_code_image_is_fetched_once_and_cached(app_factory, make_user, auth_headers):
    png = b"\x89PNG\r\n\x1a\n" + b"fake-image-bytes"
    app, calls = _wechat_app(
        app_factory,
        lambda r: httpx.Response(200, content=png, headers={"Content-Type": "image/png"}),
    )
    with app.app_context():
        client, user = _promoter_on(app, make_user, auth_headers)
        headers = auth_headers(user)
        first = client.get("/api/v1/promoter/qrcode?format=png", headers=headers)
        second = client.get("/api/v1/promoter/qrcode?format=png", headers=headers)
        assert first.data == second.data == png
        assert calls.count("/wxa/getwxacodeunlimit") == 1
        assert (
            client.get("/api/v1/promoter/qrcode", headers=headers).get_json()["kind"] == "wxacode"
        )


# ---- enrollment -------------------------------------------------------------------------------


def test_enrolling_inside_the_zone_makes_a_volunteer_and_pays_both(
    client, make_user, promoter, zone, auth_headers
):
    scene = scene_of(client, auth_headers(promoter))
    volunteer = make_user()
    response = scan(client, auth_headers(volunteer), scene)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["decision"] == "inside" and body["points_awarded"] == 10
    assert body["promoter"] == {"id": promoter.id, "nickname": "王宣传员"}
    assert body["distance_to_edge_m"] > 400
    db.session.expire_all()
    assert "volunteer" in db.session.get(User, volunteer.id).roles
    assert ledger(volunteer.id) == [("enrolled", 10, zone["id"])]
    assert ledger(promoter.id) == [("recruit", 2, zone["id"])]
    columns = set(Enrollment.__table__.columns.keys())
    assert not columns & {"latitude", "longitude", "lat", "lng"}  # no raw coordinates kept
    again = scan(client, auth_headers(volunteer), scene)
    body = assert_error(again, 409, "ALREADY_ENROLLED")
    assert body["errors"]["promoter"]["id"] == promoter.id
    assert_error(scan(client, auth_headers(promoter), scene), 409, "SELF_ENROLLMENT")
    volunteers = client.get("/api/v1/promoter/volunteers", headers=auth_headers(promoter))
    assert [(v["user_id"], v["points_this_week"]) for v in volunteers.get_json()["items"]] == [
        (volunteer.id, 10)
    ]
    board = client.get("/api/v1/leaderboards/promoters", headers=auth_headers(promoter))
    assert board.get_json()["items"][0]["volunteer_count"] == 1
    zones = client.get("/api/v1/leaderboards/zones", headers=auth_headers(promoter)).get_json()
    assert zones["items"] == [{"rank": 1, "zone_id": zone["id"], "name": "测试街道", "score": 10}]


def _nothing_written(user_id):
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
    assert ledger(user_id) == []
    db.session.expire_all()
    assert "volunteer" not in db.session.get(User, user_id).roles


def test_outside_and_inaccurate_scans_write_nothing(client, make_user, promoter, auth_headers):
    scene = scene_of(client, auth_headers(promoter))
    user = make_user()
    far_north = NORTH + 500 / METRES_PER_DEGREE_LAT
    assert_error(scan(client, auth_headers(user), scene, lat=far_north), 403, "OUTSIDE_ZONE")
    inaccurate = scan(client, auth_headers(user), scene, accuracy=150)
    assert_error(inaccurate, 422, "LOCATION_INACCURATE")
    _nothing_written(user.id)


@pytest.mark.parametrize(("accuracy", "status"), [(50, 201), (20, 403)])
def test_a_point_just_outside_counts_only_within_its_accuracy(
    client, make_user, promoter, auth_headers, accuracy, status
):
    """30 m north of the fence: accepted as `edge` when the accuracy reaches the fence."""
    scene = scene_of(client, auth_headers(promoter))
    user = make_user()
    just_outside = NORTH + 30 / METRES_PER_DEGREE_LAT
    response = scan(client, auth_headers(user), scene, lat=just_outside, accuracy=accuracy)
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["decision"] == "edge"
        assert 25 <= response.get_json()["distance_to_edge_m"] <= 35


def test_a_wgs84_location_is_converted_before_the_test(client, make_user, promoter, auth_headers):
    """A place 100 m inside the west edge, as a WGS-84 phone reports it: the raw numbers
    lie ~330 m west of the fence, so it is inside only after conversion."""
    scene = scene_of(client, auth_headers(promoter))
    wgs_lng, wgs_lat = geo.gcj02_to_wgs84(WEST + 0.001, CENTRE[1])
    assert wgs_lng < WEST - 0.002  # the raw reading is well outside
    raw = scan(client, auth_headers(make_user()), scene, lng=wgs_lng, lat=wgs_lat)
    assert_error(raw, 403, "OUTSIDE_ZONE")
    converted = scan(
        client, auth_headers(make_user()), scene, lng=wgs_lng, lat=wgs_lat, coord_type="wgs84"
    )
    assert converted.status_code == 201, converted.get_json()


def test_a_fence_drawn_in_wgs84_is_stored_in_gcj02(client, make_user, admin, auth_headers):
    """A WGS-84 fence around a WGS-84 point accepts the same place reported in GCJ-02."""
    lng, lat = 121.30, 30.20
    half = 0.002  # ~200 m: smaller than the ~500 m datum shift
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [lng - half, lat - half],
                [lng + half, lat - half],
                [lng + half, lat + half],
                [lng - half, lat + half],
                [lng - half, lat - half],
            ]
        ],
    }
    zone = create_zone(client, auth_headers(admin), square, coord_type="wgs84")
    user = make_user()
    client.post(
        f"/api/v1/admin/users/{user.id}/roles",
        json={"role": "promoter", "zone_ids": [zone["id"]]},
        headers=auth_headers(admin),
    )
    scene = scene_of(client, auth_headers(user))
    gcj_lng, gcj_lat = geo.wgs84_to_gcj02(lng, lat)
    as_gcj = scan(client, auth_headers(make_user()), scene, lng=gcj_lng, lat=gcj_lat)
    assert as_gcj.status_code == 201, as_gcj.get_json()
    raw = scan(client, auth_headers(make_user()), scene, lng=lng, lat=lat)  # unconverted
    assert_error(raw, 403, "OUTSIDE_ZONE")


def test_revoked_expired_and_demoted_codes_are_refused(
    client, clock, make_user, admin, promoter, auth_headers
):
    headers = auth_headers(promoter)
    old = scene_of(client, headers)
    rotate = "/api/v1/promoter/qrcode/rotate"
    current = client.post(rotate, json={"expires_in_days": 1}, headers=headers).get_json()
    user = make_user()
    assert_error(scan(client, auth_headers(user), old), 404, "QR_INVALID")
    assert_error(scan(client, auth_headers(user), "nosuchscene"), 404, "QR_INVALID")
    assert scene_of(client, headers) == current["scene"]
    clock.advance(days=1)
    assert_error(scan(client, auth_headers(user), current["scene"]), 410, "QR_EXPIRED")
    fresh = client.post(rotate, json={}, headers=headers).get_json()
    client.delete(f"/api/v1/admin/users/{promoter.id}/roles/promoter", headers=auth_headers(admin))
    assert_error(scan(client, auth_headers(user), fresh["scene"]), 404, "QR_INVALID")
    _nothing_written(user.id)


def test_an_implausible_jump_is_refused(client, clock, make_user, promoter, auth_headers):
    """A scan 5 km away, then one on site a few seconds later: the second is refused."""
    scene = scene_of(client, auth_headers(promoter))
    user = make_user()
    far_at, far_lat = clock.now(), CENTRE[1] + 0.045
    assert_error(scan(client, auth_headers(user), scene, lat=far_lat), 403, "OUTSIDE_ZONE")
    clock.advance(seconds=5)
    assert_error(scan(client, auth_headers(user), scene), 422, "LOCATION_IMPLAUSIBLE")
    kept = db.session.get(ScanPosition, user.id)  # the refused jump did not replace it
    assert (kept.lat, kept.seen_at) == (far_lat, far_at)
    clock.advance(minutes=2)  # past the window: the last position is forgotten
    assert scan(client, auth_headers(user), scene).status_code == 201


def test_enrollment_is_rate_limited_per_user_and_per_code(app_factory, make_user, auth_headers):
    """Every scan counts against the scanning user; only scans that enrolled someone
    count against the code, so throwaway accounts scanning from outside the zone never
    lock a promoter's code for the real volunteers on site (defect 9)."""
    app = app_factory(
        RATELIMIT_ENABLED=True,
        ENROLL_USER_RATE_LIMIT="2 per minute",
        ENROLL_CODE_RATE_LIMIT="2 per minute",
    )
    with app.app_context():
        client = app.test_client()
        headers = auth_headers(make_user())
        codes = [scan(client, headers, "whatever").status_code for _ in range(2)]
        assert codes == [404, 404]
        body = assert_error(scan(client, headers, "whatever"), 429, "RATE_LIMITED")
        assert body["code"] == 429
        admin = make_user(roles=["admin"])
        fence = create_zone(client, auth_headers(admin))
        promoter = PromoterFactory(zone=db.session.get(Zone, fence["id"]))
        scene = scene_of(client, auth_headers(promoter))
        far = CENTRE[1] + 0.2
        for _ in range(6):  # six throwaway accounts, each scanning from 20 km away
            refused = scan(client, auth_headers(make_user()), scene, lat=far)
            assert_error(refused, 403, "OUTSIDE_ZONE")
        for _ in range(2):
            assert scan(client, auth_headers(make_user()), scene).status_code == 201
        # the code's third enrollment within the minute: the code's limit
        assert_error(scan(client, auth_headers(make_user()), scene), 429, "RATE_LIMITED")


def test_parallel_scans_by_one_person_create_one_enrollment(
    app, live_server, make_user, zone, promoter, auth_headers
):
    scene = scene_of(app.test_client(), auth_headers(promoter))
    promoter_id = promoter.id
    user = make_user()
    headers = auth_headers(user)
    user_id = user.id
    payload = {
        "scene": scene,
        "longitude": CENTRE[0],
        "latitude": CENTRE[1],
        "coord_type": "gcj02",
        "accuracy": 15,
    }

    def send():
        return httpx.post(
            f"{live_server}/api/v1/enrollments", json=payload, headers=headers, timeout=30
        )

    responses = fire_at_once(8, send)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7, [r.json() for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"ALREADY_ENROLLED"}
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Enrollment)
                .where(Enrollment.volunteer_id == user_id)
            )
            == 1
        )
        assert ledger(user_id) == [("enrolled", 10, zone["id"])]
        assert ledger(promoter_id) == [("recruit", 2, zone["id"])]


class RecordedLog(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_promoters_enrolling_each_other_at_once_never_deadlock(
    app, live_server, zone, auth_headers
):
    """Ten pairs of promoters scan each other's codes at the same instant: each enrollment
    locks both users in one order, so no transaction waits for another in a cycle (none
    is rolled back as a deadlock and retried), and every balance equals its ledger."""
    fence = db.session.get(Zone, zone["id"])
    pairs = [(PromoterFactory(zone=fence), PromoterFactory(zone=fence)) for _ in range(10)]
    client = app.test_client()
    requests = []
    for first, second in pairs:
        first_headers, second_headers = auth_headers(first), auth_headers(second)
        requests.append((first_headers, scene_of(client, second_headers)))
        requests.append((second_headers, scene_of(client, first_headers)))
    user_ids = [user.id for pair in pairs for user in pair]
    pending = iter(requests)
    lock = threading.Lock()

    def send():
        with lock:
            headers, scene = next(pending)
        payload = {"scene": scene, "longitude": CENTRE[0], "latitude": CENTRE[1]}
        payload.update(coord_type="gcj02", accuracy=15)
        return httpx.post(
            f"{live_server}/api/v1/enrollments", json=payload, headers=headers, timeout=60
        )

    retries = RecordedLog()
    logging.getLogger("miniapp_api.storage").addHandler(retries)
    try:
        responses = fire_at_once(len(requests), send)
    finally:
        logging.getLogger("miniapp_api.storage").removeHandler(retries)
    assert sorted(r.status_code for r in responses) == [201] * 20, [r.json() for r in responses]
    assert [m for m in retries.messages if m.startswith("retrying")] == []
    db.session.expire_all()
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        assert user.points_balance == sum(delta for _, delta, _ in ledger(user.id)) == 12


# ---- events -----------------------------------------------------------------------------------


def _event(client, headers, **values):
    now = datetime.now(UTC)
    payload = {
        "title": "疫苗接种点反诈宣传",
        "latitude": CENTRE[1],
        "longitude": CENTRE[0],
        "coord_type": "gcj02",
        "radius_m": 200,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        **values,
    }
    response = client.post("/api/v1/events", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_events_nearby_and_check_in_once_inside_the_circle(
    client, make_user, promoter, auth_headers
):
    headers = auth_headers(promoter)
    event = _event(client, headers)
    later = _event(
        client,
        headers,
        title="广场宣传",
        latitude=CENTRE[1] + 0.02,  # 1.7 km north of the fence: its 2 km circle overlaps it
        radius_m=2000,
        starts_at=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
        ends_at=(datetime.now(UTC) + timedelta(days=1, hours=2)).isoformat(),
    )
    nearby = client.get(
        f"/api/v1/events?latitude={CENTRE[1]}&longitude={CENTRE[0]}&within_km=1"
    ).get_json()["items"]
    assert [item["id"] for item in nearby] == [event["id"]]
    everything = client.get(f"/api/v1/events?latitude={CENTRE[1]}&longitude={CENTRE[0]}")
    assert [item["id"] for item in everything.get_json()["items"]] == [event["id"], later["id"]]

    scene = scene_of(client, headers)
    volunteer = make_user()
    assert scan(client, auth_headers(volunteer), scene).status_code == 201
    here = {"latitude": CENTRE[1], "longitude": CENTRE[0], "coord_type": "gcj02", "accuracy": 10}
    url = f"/api/v1/events/{event['id']}/checkins"
    checked = client.post(url, json=here, headers=auth_headers(volunteer))
    assert checked.status_code == 201 and checked.get_json()["points_awarded"] == 10
    assert_error(
        client.post(url, json=here, headers=auth_headers(volunteer)), 409, "ALREADY_CHECKED_IN"
    )
    assert ("event_host", 2, event["zone_id"]) in ledger(promoter.id)
    away = {**here, "latitude": CENTRE[1] + 0.01}
    other = db.session.get(User, EnrollmentFactory(promoter=promoter).volunteer_id)
    assert_error(client.post(url, json=away, headers=auth_headers(other)), 403, "OUTSIDE_EVENT")
    not_yet = f"/api/v1/events/{later['id']}/checkins"
    assert_error(
        client.post(not_yet, json=here, headers=auth_headers(other)), 409, "EVENT_NOT_OPEN"
    )
    resident = make_user()
    assert_error(client.post(url, json=here, headers=auth_headers(resident)), 403, "FORBIDDEN")


def test_a_redrawn_fence_takes_effect_at_once(
    client, make_user, admin, zone, promoter, auth_headers
):
    """The per-process index notices the change: the centre is outside the new fence."""
    moved = {
        "type": "Polygon",
        "coordinates": [
            [[121.27, 30.17], [121.28, 30.17], [121.28, 30.18], [121.27, 30.18], [121.27, 30.17]]
        ],
    }
    scene = scene_of(client, auth_headers(promoter))
    assert client.get("/api/v1/zones").status_code == 200  # index built with the old fence
    changed = client.patch(
        f"/api/v1/admin/zones/{zone['id']}",
        json={"geometry": moved, "coord_type": "gcj02"},
        headers=auth_headers(admin),
    )
    assert changed.status_code == 200, changed.get_json()
    assert_error(scan(client, auth_headers(make_user()), scene), 403, "OUTSIDE_ZONE")
    inside_new = scan(client, auth_headers(make_user()), scene, lng=121.275)
    assert inside_new.status_code == 201


def test_a_volunteers_first_finished_quiz_qualifies_the_recruit(
    app_factory, make_user, auth_headers
):
    """+3 for the promoter (recruit_qualified) when the volunteer finishes a quiz, once."""
    from miniapp_api.config import PROJECT_ROOT
    from miniapp_api.content import sync

    app = app_factory(QUIZ_MIN_SECONDS_PER_QUESTION=0)
    with app.app_context():
        sync.sync_content(PROJECT_ROOT / "content")
        client = app.test_client()
        admin = make_user(roles=["admin"])
        zone = create_zone(client, auth_headers(admin))
        promoter = make_user()
        client.post(
            f"/api/v1/admin/users/{promoter.id}/roles",
            json={"role": "promoter", "zone_ids": [zone["id"]]},
            headers=auth_headers(admin),
        )
        volunteer = make_user()
        headers = auth_headers(volunteer)
        assert scan(client, headers, scene_of(client, auth_headers(promoter))).status_code == 201
        for _ in range(2):
            session = client.post("/api/v1/quiz-sessions", json={"mode": "daily"}, headers=headers)
            assert session.status_code == 201, session.get_json()
            submitted = client.post(
                f"/api/v1/quiz-sessions/{session.get_json()['id']}/submit",
                json={"answers": []},
                headers=headers,
            )
            assert submitted.status_code == 200, submitted.get_json()
        assert ledger(promoter.id) == [
            ("recruit", 2, zone["id"]),
            ("recruit_qualified", 3, zone["id"]),
        ]


def test_a_multipolygon_with_a_hole(client, make_user, admin, auth_headers):
    """Two parts, the first with a hole (say, a lake): the hole is outside the zone."""
    outer = [[121.25, 30.17], [121.26, 30.17], [121.26, 30.18], [121.25, 30.18], [121.25, 30.17]]
    hole = [
        [121.254, 30.174],
        [121.256, 30.174],
        [121.256, 30.176],
        [121.254, 30.176],
        [121.254, 30.174],
    ]
    second = [[121.27, 30.17], [121.28, 30.17], [121.28, 30.18], [121.27, 30.18], [121.27, 30.17]]
    geometry = {"type": "MultiPolygon", "coordinates": [[outer, hole], [second]]}
    zone = create_zone(client, auth_headers(admin), geometry)
    promoter = make_user()
    client.post(
        f"/api/v1/admin/users/{promoter.id}/roles",
        json={"role": "promoter", "zone_ids": [zone["id"]]},
        headers=auth_headers(admin),
    )
    scene = scene_of(client, auth_headers(promoter))
    in_hole = scan(client, auth_headers(make_user()), scene, lng=121.255, lat=30.175, accuracy=10)
    assert_error(in_hole, 403, "OUTSIDE_ZONE")
    in_ring = scan(client, auth_headers(make_user()), scene, lng=121.252, lat=30.175)
    assert in_ring.status_code == 201
    in_second = scan(client, auth_headers(make_user()), scene, lng=121.275, lat=30.175)
    assert in_second.status_code == 201


def test_parallel_event_check_ins_by_one_volunteer_pay_once(
    app, live_server, make_user, promoter, auth_headers
):
    client = app.test_client()
    event = _event(client, auth_headers(promoter))
    volunteer = make_user()
    assert (
        scan(client, auth_headers(volunteer), scene_of(client, auth_headers(promoter))).status_code
        == 201
    )
    headers, volunteer_id, promoter_id = auth_headers(volunteer), volunteer.id, promoter.id
    here = {"latitude": CENTRE[1], "longitude": CENTRE[0], "coord_type": "gcj02", "accuracy": 10}

    def send():
        return httpx.post(
            f"{live_server}/api/v1/events/{event['id']}/checkins",
            json=here,
            headers=headers,
            timeout=30,
        )

    responses = fire_at_once(8, send)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    with app.app_context():
        assert [r for r in ledger(volunteer_id) if r[0] == "event_checkin"] == [
            ("event_checkin", 10, event["zone_id"])
        ]
        assert [r for r in ledger(promoter_id) if r[0] == "event_host"] == [
            ("event_host", 2, event["zone_id"])
        ]
