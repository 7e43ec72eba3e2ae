"""Content administration by role through HTTP: fraud types (admins), local warnings
(station admins, within their zones), who reads which warnings, and the audit entries of
alerts, articles and fraud types."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.categories.models import Category
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.factories import (
    AlertFactory,
    ArticleFactory,
    CategoryFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import assert_error

CATEGORIES, ALERTS = "/api/v1/admin/categories", "/api/v1/admin/alerts"
DESCRIPTION = "骗子冒充快递客服，以理赔为名诱导受害人开通借贷并转账。"
WARNING = {
    "slug": "local-warning",
    "kind": "warning",
    "level": "high",
    "title": "辖区警惕冒充客服",
    "summary": "近期辖区内冒充快递客服理赔的诈骗高发。",
    "body": "接到自称快递客服的理赔电话，请挂断后通过官方渠道核实。",
}
TREND = {
    "slug": "trend-week",
    "kind": "trend",
    "title": "本周反诈形势",
    "summary": "示例数据：本周案件情况。",
    "source": "示例数据",
    "period": {"start": "2026-11-09", "end": "2026-11-15"},
    "districts": [{"district": "慈溪市", "cases": 3, "loss_wan": 1.5}],
    "categories": [{"category": "shuadan-fanli", "cases": 3}],
}


def log(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def warning(**values) -> dict:
    return {**WARNING, "published_at": utcnow().isoformat(), **values}


@pytest.fixture
def admin(app_ctx, clock, auth_headers):
    user = UserFactory(roles=["admin"])
    return user, auth_headers(user)


# ---- fraud types ------------------------------------------------------------------------


def test_admins_create_list_and_edit_fraud_types(client, admin):
    officer, headers = admin
    payload = {
        "slug": "kuaidi-lipei",
        "name": "快递理赔",
        "description": DESCRIPTION,
        "risk_groups": ["online_shoppers", "elderly"],
        "sort_order": 3,
    }
    created = client.post(CATEGORIES, json=payload, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {key: body[key] for key in payload} == payload
    assert (body["article_count"], body["articles_total"]) == (0, 0)
    category_id = body["id"]
    category = db.session.get(Category, category_id)
    ArticleFactory(category=category)
    ArticleFactory(category=category, status="draft")
    listed = client.get(CATEGORIES, headers=headers).get_json()
    assert [(i["slug"], i["article_count"], i["articles_total"]) for i in listed["items"]] == [
        ("kuaidi-lipei", 1, 2)
    ]
    taken = assert_error(client.post(CATEGORIES, json=payload, headers=headers), 409, "CONFLICT")
    assert taken["errors"]["json"] == {"slug": ["已被使用"]}
    bad = {**payload, "slug": "Not A Slug", "risk_groups": ["aliens"], "description": "太短"}
    refused = client.post(CATEGORIES, json=bad, headers=headers)
    refused = assert_error(refused, 422, "VALIDATION_ERROR")
    assert {"slug", "risk_groups", "description"} <= set(refused["errors"]["json"])
    url = f"{CATEGORIES}/{category_id}"
    edited = client.patch(url, json={"name": "快递理赔诈骗", "sort_order": 1}, headers=headers)
    assert edited.status_code == 200, edited.get_json()
    edited = edited.get_json()
    assert (edited["name"], edited["slug"]) == ("快递理赔诈骗", "kuaidi-lipei")
    renamed = client.patch(url, json={"slug": "other"}, headers=headers)
    assert "slug" in assert_error(renamed, 422, "VALIDATION_ERROR")["errors"]["json"]
    assert client.get(url, headers=headers).get_json()["sort_order"] == 1
    assert_error(client.get(f"{CATEGORIES}/999999", headers=headers), 404, "NOT_FOUND")
    public = client.get("/api/v1/categories").get_json()["items"]
    assert [(item["slug"], item["name"]) for item in public] == [("kuaidi-lipei", "快递理赔诈骗")]
    [create], [update] = log("category.create"), log("category.update")
    assert (create.actor_id, create.object_id, create.changes["slug"]) == (
        officer.id,
        str(category_id),
        [None, "kuaidi-lipei"],
    )
    assert update.changes == {"name": ["快递理赔", "快递理赔诈骗"], "sort_order": [3, 1]}


def test_fraud_types_are_for_admins_only(client, app_ctx, auth_headers):
    category = CategoryFactory()
    for roles in ([], ["volunteer"], ["promoter"], ["station_admin"]):
        headers = auth_headers(UserFactory(roles=roles))
        assert_error(client.get(CATEGORIES, headers=headers), 403, "FORBIDDEN")
        patch = client.patch(f"{CATEGORIES}/{category.id}", json={"name": "改"}, headers=headers)
        assert_error(patch, 403, "FORBIDDEN")


# ---- local warnings -----------------------------------------------------------------------


@pytest.fixture
def station(app_ctx, clock, auth_headers):
    """A station admin of a street with a community below it."""
    street = ZoneFactory()
    community = ZoneFactory(parent_id=street.id, kind="community")
    officer = StationAdminFactory(zone=street)
    return officer, auth_headers(officer), street, community


def test_station_admins_publish_warnings_for_their_zones(client, station):
    officer, headers, street, community = station
    other_zone = ZoneFactory()
    created = client.post(ALERTS, json=warning(zone_ids=[community.id]), headers=headers)
    assert created.status_code == 201, created.get_json()
    alert = created.get_json()
    assert alert["zone_ids"] == [community.id]
    citywide = client.post(ALERTS, json=warning(slug="citywide"), headers=headers)
    assert_error(citywide, 403, "FORBIDDEN")
    trend = {**TREND, "published_at": utcnow().isoformat()}
    assert_error(client.post(ALERTS, json=trend, headers=headers), 403, "FORBIDDEN")
    local_trend = client.post(ALERTS, json={**trend, "zone_ids": [street.id]}, headers=headers)
    assert_error(local_trend, 422, "VALIDATION_ERROR")
    mixed = warning(slug="mixed", zone_ids=[street.id, other_zone.id])
    assert_error(client.post(ALERTS, json=mixed, headers=headers), 404, "NOT_FOUND")
    url = f"{ALERTS}/{alert['id']}"
    replaced = client.put(url, json=warning(zone_ids=[street.id], level="low"), headers=headers)
    assert replaced.status_code == 200, replaced.get_json()
    assert (replaced.get_json()["zone_ids"], replaced.get_json()["level"]) == ([street.id], "low")
    moved_away = client.put(url, json=warning(zone_ids=[other_zone.id]), headers=headers)
    assert_error(moved_away, 404, "NOT_FOUND")
    assert_error(client.put(url, json=warning(), headers=headers), 403, "FORBIDDEN")
    assert client.delete(url, headers=headers).status_code == 204
    [create], [update], [archive] = log("alert.create"), log("alert.update"), log("alert.archive")
    assert (create.actor_id, create.zone_id, create.changes["zone_ids"]) == (
        officer.id,
        community.id,
        [None, [community.id]],
    )
    assert (update.zone_id, update.changes["zone_ids"], update.changes["level"]) == (
        street.id,
        [[community.id], [street.id]],
        ["high", "low"],
    )
    assert archive.changes == {"status": ["published", "archived"]}


def test_a_station_admin_reaches_only_its_own_local_warnings(client, station, auth_headers):
    _, headers, street, community = station
    own = AlertFactory(zone_ids=[community.id])
    citywide = AlertFactory()
    elsewhere = AlertFactory(zone_ids=[ZoneFactory().id])
    straddling = AlertFactory(zone_ids=[street.id, ZoneFactory().id])
    listed = client.get(ALERTS, headers=headers).get_json()["items"]
    assert [item["id"] for item in listed] == [own.id]
    assert client.get(f"{ALERTS}/{own.id}", headers=headers).status_code == 200
    assert_error(client.get(f"{ALERTS}/{citywide.id}", headers=headers), 403, "FORBIDDEN")
    for hidden in (elsewhere, straddling):
        assert_error(client.get(f"{ALERTS}/{hidden.id}", headers=headers), 404, "NOT_FOUND")
        assert_error(client.delete(f"{ALERTS}/{hidden.id}", headers=headers), 404, "NOT_FOUND")
    admin = auth_headers(UserFactory(roles=["admin"]))
    assert len(client.get(ALERTS, headers=admin).get_json()["items"]) == 4
    for roles in ([], ["volunteer"], ["promoter"]):
        refused = client.get(ALERTS, headers=auth_headers(UserFactory(roles=roles)))
        assert_error(refused, 403, "FORBIDDEN")


def test_readers_see_city_wide_warnings_and_those_of_their_zone(client, station, auth_headers):
    _, _, street, community = station
    citywide = AlertFactory()
    for_street = AlertFactory(zone_ids=[street.id])
    for_community = AlertFactory(zone_ids=[community.id])
    elsewhere = AlertFactory(zone_ids=[ZoneFactory().id])

    def seen(headers=None):
        items = client.get("/api/v1/alerts", headers=headers).get_json()["items"]
        return {item["id"]: item["zone_ids"] for item in items}

    assert seen() == {citywide.id: []}
    in_community = auth_headers(UserFactory(zone_id=community.id))
    assert seen(in_community) == {
        citywide.id: [],
        for_street.id: [street.id],
        for_community.id: [community.id],
    }
    assert set(seen(auth_headers(UserFactory(zone_id=street.id)))) == {citywide.id, for_street.id}
    assert set(seen(auth_headers(UserFactory()))) == {citywide.id}
    assert elsewhere.id not in seen(auth_headers(UserFactory(zone_id=street.id)))


# ---- articles -----------------------------------------------------------------------------


def test_article_writes_are_audited_and_admin_only(client, admin, auth_headers):
    officer, headers = admin
    CategoryFactory(slug="kuaidi-lipei")
    payload = {
        "slug": "audited-article",
        "title": "民警提醒：谨防快递理赔诈骗",
        "category": "kuaidi-lipei",
        "summary": "年底快递量大，冒充客服理赔的诈骗增多。",
        "body_markdown": "这是一篇用于测试的反诈文章正文。" * 5,
    }
    created = client.post("/api/v1/admin/articles", json=payload, headers=headers).get_json()
    url = f"/api/v1/admin/articles/{created['id']}"
    body = {"title": "民警提醒：快递理赔是骗局", "body_markdown": "改过的正文。" * 10}
    assert client.patch(url, json=body, headers=headers).status_code == 200
    later = (utcnow() + timedelta(days=1)).isoformat()
    scheduled = client.post(f"{url}/publish", json={"published_at": later}, headers=headers)
    assert scheduled.status_code == 200
    assert client.post(f"{url}/archive", headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204  # already archived
    actions = [
        (entry.action, entry.actor_id, entry.object_id)
        for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "article").order_by(AuditEntry.id)
        )
    ]
    article_id = str(created["id"])
    assert actions == [
        ("article.create", officer.id, article_id),
        ("article.update", officer.id, article_id),
        ("article.publish", officer.id, article_id),
        ("article.archive", officer.id, article_id),
    ]
    [update] = log("article.update")
    assert update.changes == {
        "title": ["民警提醒：谨防快递理赔诈骗", "民警提醒：快递理赔是骗局"],
        "body_markdown": ["previous", "edited"],
    }
    assert log("article.publish")[0].changes["status"] == ["draft", "scheduled"]
    station = auth_headers(StationAdminFactory())
    assert_error(client.get("/api/v1/admin/articles", headers=station), 403, "FORBIDDEN")
    assert_error(client.patch(url, json={"title": "站里改"}, headers=station), 403, "FORBIDDEN")
