"""/console/zones through the Flask test client: the list and the map in the officer's
reach, drawing, redrawing, importing and deactivating through the zone use cases (the
same audit entries as the API, `via: console`), a station admin's 404 and read-only view."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.zones.models import Zone
from tests.helpers import console_app, console_client, station_world

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[121.3, 30.2], [121.31, 30.2], [121.31, 30.21], [121.3, 30.21], [121.3, 30.2]]
                ],
            },
        }
    ],
}


@pytest.fixture
def app(app_factory):
    return console_app(app_factory)


@pytest.fixture
def world(app_ctx):
    return station_world()


def zone_form(**overrides) -> dict:
    form = {
        "name": "新城社区",
        "district": "慈溪市",
        "kind": "community",
        "parent_id": "",
        "coord_type": "gcj02",
        "geometry": json.dumps(SQUARE),
    }
    return {**form, **overrides}


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_list_and_map_show_every_zone_to_an_admin(app, world):
    page = console_client(app, world.admin.id).get("/console/zones")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("白沙路街道", "白沙社区", "宗汉街道"):
        assert name in html
    assert "GCJ-02" in html
    assert 'data-draw="#f-geometry"' in html  # an admin draws
    features = html.split('id="zone-features">', 1)[1].split("</script>", 1)[0]
    assert len(json.loads(features)["features"]) == 3
    assert "data-tiles" not in html  # no tile layer unless configured


def test_a_station_admin_sees_its_zones_read_only_and_others_are_404(app, world):
    client = console_client(app, world.officer.id)
    html = client.get("/console/zones").get_data(as_text=True)
    assert "白沙社区" in html and "宗汉街道" not in html
    assert "data-draw" not in html and "导入 GeoJSON" not in html
    assert client.get(f"/console/zones/{world.street.id}").status_code == 200
    refused = client.get(f"/console/zones/{world.other.id}")
    assert refused.status_code == 404
    assert "宗汉街道" not in refused.get_data(as_text=True)
    # Writes are an admin's: the station admin is sent away, nothing changes.
    answer = client.post(f"/console/zones/{world.street.id}", data=zone_form(name="改名"))
    assert answer.status_code == 302
    assert db.session.get(Zone, world.street.id).name == "白沙社区"


def test_an_admin_draws_a_zone_audited_via_the_console(app, world):
    client = console_client(app, world.admin.id)
    answer = client.post("/console/zones", data=zone_form(parent_id=str(world.town.id)))
    assert answer.status_code == 302
    zone = db.session.scalar(select(Zone).where(Zone.name == "新城社区"))
    assert zone.parent_id == world.town.id and zone.vertex_count == 4
    assert answer.headers["Location"].endswith(f"/console/zones/{zone.id}")
    [entry] = entries("zone.create")
    assert (entry.via, entry.actor_id, entry.object_id) == ("console", world.admin.id, str(zone.id))
    assert "新城社区" in client.get("/console/zones").get_data(as_text=True)


def test_a_bad_outline_is_shown_at_its_field_and_nothing_is_written(app, world):
    client = console_client(app, world.admin.id)
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    for geometry, fragment in (("", "请在地图上绘制"), ("{oops", "不是有效的"), (bowtie, "")):
        text = geometry if isinstance(geometry, str) else json.dumps(geometry)
        answer = client.post("/console/zones", data=zone_form(geometry=text))
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422
        assert 'id="f-geometry-error"' in html and fragment in html
    answer = client.post("/console/zones", data=zone_form(name="x"))
    assert answer.status_code == 422 and 'id="f-name-error"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(Zone).where(Zone.name == "新城社区")) is None
    assert entries("zone.create") == []


def test_an_admin_redraws_renames_and_deactivates_a_zone(app, world):
    client = console_client(app, world.admin.id)
    page = client.get(f"/console/zones/{world.other.id}").get_data(as_text=True)
    assert "f-geometry" in page and "121.25" in page  # the outline to edit
    form = zone_form(name="宗汉街道（新）", kind="town")
    assert client.post(f"/console/zones/{world.other.id}", data=form).status_code == 302
    zone = db.session.get(Zone, world.other.id)
    assert zone.name == "宗汉街道（新）" and zone.shape["shape"]["coordinates"][0][0][0] >= 121.3
    [entry] = entries("zone.update")
    assert entry.via == "console" and entry.changes["geometry"] == ["previous", "redrawn"]
    answer = client.post(f"/console/zones/{world.other.id}/deactivate")
    assert answer.status_code == 302
    db.session.refresh(zone)
    assert zone.active is False and entries("zone.deactivate")[0].via == "console"
    assert "已停用" in client.get("/console/zones").get_data(as_text=True)


def test_an_admin_imports_geojson_all_or_nothing(app, world):
    client = console_client(app, world.admin.id)
    feature = {
        **SQUARE["features"][0],
        "properties": {"slug": "xin-cheng", "name": "新城", "district": "慈溪市", "kind": "street"},
    }
    good = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    upload = {"coord_type": "gcj02", "file": (io.BytesIO(good), "zones.geojson")}
    answer = client.post("/console/zones/import", data=upload, follow_redirects=True)
    assert "新建 1 个" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Zone).where(Zone.slug == "xin-cheng")).name == "新城"
    [entry] = entries("zone.import")
    assert entry.via == "console" and entry.changes["counts"][1]["created"] == 1

    broken = {**feature, "properties": {"slug": "kong", "name": "空"}}
    bad = json.dumps({"type": "FeatureCollection", "features": [feature, broken]}).encode()
    upload = {"coord_type": "gcj02", "file": (io.BytesIO(bad), "zones.geojson")}
    html = client.post("/console/zones/import", data=upload, follow_redirects=True).get_data(
        as_text=True
    )
    assert "导入失败" in html and "district" in html
    assert db.session.scalar(select(Zone).where(Zone.slug == "kong")) is None
    assert len(entries("zone.import")) == 1


def test_a_tile_url_adds_the_layer_and_its_origin_to_the_csp(app_factory, app_ctx):
    from tests.factories import UserFactory

    app = console_app(
        app_factory, CONSOLE_TILE_URL="https://webrd0{s}.is.autonavi.com/{z}/{x}/{y}.png"
    )
    admin = UserFactory(roles=["admin"])
    page = console_client(app, admin.id).get("/console/zones")
    assert 'data-tiles="https://webrd0{s}.is.autonavi.com/{z}/{x}/{y}.png"' in page.get_data(
        as_text=True
    )
    assert (
        "img-src 'self' https://webrd0*.is.autonavi.com" in page.headers["Content-Security-Policy"]
    )


def test_a_form_without_its_csrf_token_is_refused(app_factory, world):
    app = console_app(app_factory, csrf=True)
    client = console_client(app, world.admin.id)
    answer = client.post("/console/zones", data=zone_form())
    assert answer.status_code == 400
    assert db.session.scalar(select(Zone).where(Zone.name == "新城社区")) is None
