"""Content administration through HTTP: articles and alerts, written, scheduled, edited
and archived by an `admin`, validated as the content files are. (Station admins' local
warnings, fraud types and the audit entries: test_content_admin.py.)"""

from datetime import timedelta

import pytest

from miniapp_api.timeutil import utcnow
from tests.factories import AlertFactory, ArticleFactory, CategoryFactory
from tests.helpers import assert_error

BODY = "这是一篇用于测试的反诈文章正文。" * 5
ARTICLES, ALERTS = "/api/v1/admin/articles", "/api/v1/admin/alerts"


@pytest.fixture
def fraud_type(app_ctx, clock):
    return CategoryFactory(slug="shuadan-fanli", name="刷单返利")


@pytest.fixture
def editor(make_user, auth_headers):
    return auth_headers(make_user(roles=["admin"]))


def draft(client, editor, **values) -> dict:
    payload = {
        "slug": "admin-written",
        "title": "民警提醒：年底谨防刷单诈骗",
        "category": "shuadan-fanli",
        "summary": "年底各类“兼职刷单”信息增多，请提高警惕。",
        "body_markdown": BODY,
        "tags": ["刷单", "兼职", "刷单"],
        **values,
    }
    created = client.post(ARTICLES, json=payload, headers=editor)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def publish(client, editor, article: dict, at) -> dict:
    at = at.isoformat() if at is not None else None
    response = client.post(
        f"{ARTICLES}/{article['id']}/publish", json={"published_at": at}, headers=editor
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---- articles --------------------------------------------------------------------------


def test_an_article_is_written_as_a_draft_then_scheduled_then_published(client, fraud_type, editor):
    article = draft(client, editor)
    assert (article["status"], article["source"], article["published_at"]) == (
        "draft",
        "admin",
        None,
    )
    assert article["tags"] == ["刷单", "兼职"]
    assert article["body_html"].startswith("<p>这是一篇")
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    assert publish(client, editor, article, utcnow() + timedelta(days=1))["status"] == "scheduled"
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    # publishing without a time keeps the scheduled time: still in the future
    assert publish(client, editor, article, None)["status"] == "scheduled"
    live = publish(client, editor, article, utcnow())
    assert live["status"] == "published"
    assert client.get("/api/v1/articles/admin-written").status_code == 200
    assert client.get(f"{ARTICLES}/{article['id']}", headers=editor).get_json() == live


def test_an_article_is_edited_then_archived(client, fraud_type, editor):
    article = draft(client, editor, status="published")
    assert article["status"] == "published" and article["published_at"].endswith("+08:00")
    edited = client.patch(
        f"{ARTICLES}/{article['id']}",
        json={"title": "民警提醒：谨防刷单诈骗", "tags": ["刷单"]},
        headers=editor,
    ).get_json()
    assert (edited["title"], edited["tags"]) == ("民警提醒：谨防刷单诈骗", ["刷单"])
    assert edited["published_at"] == article["published_at"]  # edits keep published_at
    later = client.patch(
        f"{ARTICLES}/{article['id']}",
        json={"published_at": (utcnow() + timedelta(hours=2)).isoformat()},
        headers=editor,
    ).get_json()
    assert later["status"] == "scheduled"  # moved into the future
    archived = client.post(f"{ARTICLES}/{article['id']}/archive", headers=editor)
    assert archived.get_json()["status"] == "archived"
    assert client.delete(f"{ARTICLES}/{article['id']}", headers=editor).status_code == 204
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    listed = client.get(f"{ARTICLES}?status=archived", headers=editor).get_json()
    assert [item["slug"] for item in listed["items"]] == ["admin-written"]
    assert (listed["page"], listed["per_page"], listed["total"]) == (1, 20, 1)


def test_the_admin_list_shows_every_state_newest_first_and_filters(client, fraud_type, editor):
    published = ArticleFactory(category=fraud_type, title="点赞返利的兼职")
    hidden = ArticleFactory(category=fraud_type, status="draft")
    other = ArticleFactory()
    listed = client.get(ARTICLES, headers=editor).get_json()
    assert [item["id"] for item in listed["items"]] == [other.id, hidden.id, published.id]
    assert {item["status"] for item in listed["items"]} == {"published", "draft"}

    def ids(query):
        return [i["id"] for i in client.get(f"{ARTICLES}?{query}", headers=editor).json["items"]]

    assert ids("category=shuadan-fanli") == [hidden.id, published.id]
    assert ids("status=draft") == [hidden.id]
    assert ids("q=点赞") == [published.id]
    assert_error(client.get(f"{ARTICLES}/999999", headers=editor), 404, "NOT_FOUND")


def test_admin_article_validation_and_permissions(
    client, fraud_type, editor, make_user, auth_headers
):
    bad = {"slug": "Bad Slug", "title": "x", "category": "no-such", "summary": "短"}
    body = assert_error(client.post(ARTICLES, json=bad, headers=editor), 422, "VALIDATION_ERROR")
    assert {"slug", "title", "summary", "body_markdown"} <= set(body["errors"]["json"])
    good = {
        "slug": "ok-slug",
        "title": "标题正常",
        "category": "no-such",
        "summary": "这是一个足够长的摘要。",
        "body_markdown": BODY,
    }
    body = assert_error(client.post(ARTICLES, json=good, headers=editor), 422, "VALIDATION_ERROR")
    assert body["errors"]["json"] == {"category": ["未知的诈骗类型：no-such"]}
    ArticleFactory(slug="taken-slug")
    taken = {**good, "category": "shuadan-fanli", "slug": "taken-slug"}
    body = assert_error(client.post(ARTICLES, json=taken, headers=editor), 409, "CONFLICT")
    assert body["errors"]["json"] == {"slug": ["已被使用"]}
    resident = auth_headers(make_user())
    assert_error(client.get(ARTICLES, headers=resident), 403, "FORBIDDEN")
    assert_error(client.post(ARTICLES, json=good, headers=resident), 403, "FORBIDDEN")
    assert_error(client.get(ARTICLES), 401, "UNAUTHORIZED")


# ---- alerts ----------------------------------------------------------------------------

TREND = {
    "slug": "trend-test",
    "kind": "trend",
    "title": "本周反诈形势",
    "summary": "示例数据：本周案件情况。",
    "source": "示例数据",
    "period": {"start": "2026-11-09", "end": "2026-11-15"},
    "districts": [{"district": "慈溪市", "cases": 3, "loss_wan": 1.5}],
    "categories": [{"category": "shuadan-fanli", "cases": 3}],
}


def test_admin_alerts_are_validated_published_and_archived(client, fraud_type, editor):
    trend = {**TREND, "published_at": utcnow().isoformat()}
    uneven = {**trend, "categories": [{"category": "shuadan-fanli", "cases": 2}]}
    body = assert_error(client.post(ALERTS, json=uneven, headers=editor), 422, "VALIDATION_ERROR")
    assert "categories" in body["errors"]["json"]  # 2 by type, 3 by district
    unknown = {**trend, "categories": [{"category": "no-such", "cases": 3}]}
    body = assert_error(client.post(ALERTS, json=unknown, headers=editor), 422, "VALIDATION_ERROR")
    assert body["errors"]["json"] == {"categories.0.category": ["未知的诈骗类型"]}
    eight_days = {**trend, "period": {"start": "2026-11-09", "end": "2026-11-16"}}
    assert_error(client.post(ALERTS, json=eight_days, headers=editor), 422, "VALIDATION_ERROR")
    created = client.post(ALERTS, json=trend, headers=editor)
    assert created.status_code == 201, created.get_json()
    alert = created.get_json()
    assert (alert["status"], alert["figures"]["period"]) == ("published", TREND["period"])
    public = client.get("/api/v1/alerts").get_json()["items"]
    assert public[0]["trend"]["categories"][0] == {
        "category": "shuadan-fanli",
        "name": "刷单返利",
        "cases": 3,
        "share_pct": 100.0,
        "cases_change": None,
        "trend": None,
    }
    assert client.delete(f"{ALERTS}/{alert['id']}", headers=editor).status_code == 204
    assert client.get("/api/v1/alerts").get_json()["items"] == []
    listed = client.get(f"{ALERTS}?kind=trend", headers=editor).get_json()["items"]
    assert [(item["slug"], item["status"]) for item in listed] == [("trend-test", "archived")]


def test_an_alert_is_replaced_whole(client, fraud_type, editor):
    warning = AlertFactory()
    assert client.get(f"{ALERTS}/{warning.id}", headers=editor).get_json()["kind"] == "warning"
    later = (utcnow() + timedelta(days=1)).isoformat()
    replaced = client.put(
        f"{ALERTS}/{warning.id}", json={**TREND, "published_at": later}, headers=editor
    ).get_json()
    assert (replaced["kind"], replaced["status"], replaced["body_markdown"]) == (
        "trend",
        "scheduled",
        None,
    )
    assert client.get("/api/v1/alerts").get_json()["items"] == []
    taken = AlertFactory(slug="taken")
    body = {**TREND, "slug": taken.slug, "published_at": later}
    assert_error(client.put(f"{ALERTS}/{warning.id}", json=body, headers=editor), 409, "CONFLICT")
    assert_error(client.get(f"{ALERTS}/999999", headers=editor), 404, "NOT_FOUND")
