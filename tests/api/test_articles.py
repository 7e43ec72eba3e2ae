"""Articles, reading points, the feed and alerts through HTTP; content administration."""

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles import admin_service as admin
from miniapp_api.articles.models import Alert, ArticleRead
from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content import sync
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.helpers import assert_error

BODY = "这是一篇用于测试的反诈文章正文。" * 5
_n = itertools.count()


@pytest.fixture
def app(app_factory):
    return app_factory(ARTICLE_MIN_READ_SECONDS=15)


@pytest.fixture
def content(app_ctx):
    """The shipped categories and risk profiles (articles are made per test)."""
    from miniapp_api.content.files import load_categories, load_risk_profiles

    folder = PROJECT_ROOT / "content"
    cats = load_categories(folder / "categories.yaml")
    sync.sync_categories(cats, Counter())
    db.session.flush()
    profiles = load_risk_profiles(
        folder / "risk_profiles.yaml", {c.slug for c in cats}, sync.PROFILE_DIMENSIONS
    )
    sync.sync_profiles(profiles, Counter())
    db.session.commit()


def make_article(category="shuadan-fanli", *, days_ago=1, **values):
    number = next(_n)
    data = {
        "slug": f"test-article-{number}",
        "title": f"测试文章{number}",
        "category": category,
        "summary": "一篇用于测试的文章摘要。",
        "body_markdown": BODY,
        "tags": ["测试"],
        "status": "published",
        "published_at": utcnow() - timedelta(days=days_ago),
        **values,
    }
    return admin.create_article(data)


def opened_long_ago(user, article, seconds=60):
    db.session.add(
        ArticleRead(
            user_id=user.id, article_id=article.id, opened_at=utcnow() - timedelta(seconds=seconds)
        )
    )
    db.session.commit()


# ---- reading ---------------------------------------------------------------


def test_list_filters_searches_and_paginates(client, content):
    a = make_article("shuadan-fanli", title="点赞返利的兼职", tags=["兼职", "大学生"], days_ago=3)
    b = make_article("maochong-gongjianfa", title="自称警察的电话", summary="屏幕共享的骗局摘要。")
    make_article("yanglao-zhapian", status="draft")
    make_article("yanglao-zhapian", published_at=utcnow() + timedelta(days=1))  # scheduled
    body = client.get("/api/v1/articles").get_json()
    assert [item["id"] for item in body["items"]] == [b.id, a.id]
    assert body["total"] == 2
    assert body["items"][0]["category"] == {"slug": "maochong-gongjianfa", "name": "冒充公检法"}
    assert body["items"][0]["published_at"].endswith("+08:00")

    def ids(query):
        return [i["id"] for i in client.get(f"/api/v1/articles?{query}").get_json()["items"]]

    assert ids("category=shuadan-fanli") == [a.id]
    assert ids("tag=大学生") == [a.id]
    assert ids("q=屏幕共享") == [b.id]  # summary
    assert ids("q=兼职") == [a.id]  # title and tag
    assert ids("q=没有这个词") == []
    assert ids("per_page=1&page=2") == [a.id]
    assert_error(client.get("/api/v1/articles?per_page=500"), 422, "VALIDATION_ERROR")


def test_categories_count_visible_articles(client, content):
    make_article("shuadan-fanli")
    make_article("shuadan-fanli", status="draft")
    items = client.get("/api/v1/categories").get_json()["items"]
    assert len(items) == 14
    counts = {item["slug"]: item["article_count"] for item in items}
    assert counts["shuadan-fanli"] == 1 and counts["yanglao-zhapian"] == 0


def test_detail_by_id_or_slug_and_hidden_states(client, content, make_user, auth_headers):
    article = make_article(body_markdown=BODY + "\n\n<script>alert(1)</script>")
    by_slug = client.get(f"/api/v1/articles/{article.slug}").get_json()
    by_id = client.get(f"/api/v1/articles/{article.id}").get_json()
    assert by_slug == by_id
    assert "script" not in by_id["body_html"] and "alert" not in by_id["body_html"]
    assert by_id["body_markdown"].startswith("这是一篇")
    assert by_id["read"] is False and by_id["min_read_seconds"] == 15
    draft = make_article(status="draft")
    later = make_article(published_at=utcnow() + timedelta(hours=1))
    for hidden in (draft, later):
        assert_error(client.get(f"/api/v1/articles/{hidden.id}"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/articles/no-such-article"), 404, "NOT_FOUND")
    user = make_user()
    client.get(f"/api/v1/articles/{article.id}", headers=auth_headers(user))
    assert db.session.scalar(select(ArticleRead).where(ArticleRead.user_id == user.id)) is not None


def test_reading_points_need_the_minimum_time_and_pay_once(
    client, content, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    article = make_article()
    response = client.post(f"/api/v1/articles/{article.id}/read", headers=headers)
    assert_error(response, 409, "READ_TOO_FAST")  # never opened
    client.get(f"/api/v1/articles/{article.id}", headers=headers)
    body = assert_error(
        client.post(f"/api/v1/articles/{article.id}/read", headers=headers), 409, "READ_TOO_FAST"
    )
    assert "秒" in body["message"]
    read = db.session.scalar(select(ArticleRead).where(ArticleRead.user_id == user.id))
    read.opened_at = utcnow() - timedelta(seconds=16)
    db.session.commit()
    first = client.post(f"/api/v1/articles/{article.id}/read", headers=headers).get_json()
    assert first == {
        "article_id": article.id,
        "first_read": True,
        "points_awarded": 2,
        "capped": False,
        "balance": 2,
    }
    again = client.post(f"/api/v1/articles/{article.id}/read", headers=headers).get_json()
    assert (again["first_read"], again["points_awarded"], again["balance"]) == (False, 0, 2)
    detail = client.get(f"/api/v1/articles/{article.id}", headers=headers).get_json()
    assert detail["read"] is True and detail["read_count"] == 1
    rows = db.session.scalars(select(PointsEntry).where(PointsEntry.user_id == user.id)).all()
    assert [(r.reason, r.ref, r.delta) for r in rows] == [
        ("article_read", f"article:{article.id}", 2)
    ]


def test_reading_points_stop_at_the_daily_cap_and_readers_are_counted(
    client, content, make_user, auth_headers
):
    user, other = make_user(), make_user()
    pieces = [make_article() for _ in range(6)]
    results = []
    for article in pieces:
        opened_long_ago(user, article)
        response = client.post(f"/api/v1/articles/{article.id}/read", headers=auth_headers(user))
        results.append(response.get_json()["points_awarded"])
    assert results == [2, 2, 2, 2, 2, 0]  # 10 a day
    opened_long_ago(other, pieces[0])
    client.post(f"/api/v1/articles/{pieces[0].id}/read", headers=auth_headers(other))
    db.session.expire_all()
    listed = {i["id"]: i["read_count"] for i in client.get("/api/v1/articles").get_json()["items"]}
    assert listed[pieces[0].id] == 2 and listed[pieces[5].id] == 1


# ---- feed --------------------------------------------------------------------


def test_feed_puts_subscriptions_and_risk_profile_first_unread_before_read(
    client, content, make_user, auth_headers
):
    elderly = make_user(age_group="60_plus", subscribed_categories=["xujia-touzi-licai"])
    invest_old = make_article("xujia-touzi-licai", days_ago=5)
    invest_new = make_article("xujia-touzi-licai", days_ago=1)
    pension = make_article("yanglao-zhapian", days_ago=2)
    make_article("youxi-xujia-jiaoyi", days_ago=0)  # not for this reader
    opened_long_ago(elderly, invest_new)
    client.post(f"/api/v1/articles/{invest_new.id}/read", headers=auth_headers(elderly))
    body = client.get("/api/v1/feed", headers=auth_headers(elderly)).get_json()
    assert [(i["article"]["id"], i["read"], i["reason"]) for i in body["items"]] == [
        (pension.id, False, "risk_profile"),
        (invest_old.id, False, "subscribed"),
        (invest_new.id, True, "subscribed"),
    ]
    assert body["interests"][0] == "xujia-touzi-licai"
    assert "yanglao-zhapian" in body["interests"]


def test_feed_without_a_profile_gives_the_newest_of_each_category(
    client, content, make_user, auth_headers
):
    reader = make_user()
    old = make_article("shuadan-fanli", days_ago=9)
    new = make_article("shuadan-fanli", days_ago=1)
    police = make_article("maochong-gongjianfa", days_ago=4)
    body = client.get("/api/v1/feed", headers=auth_headers(reader)).get_json()
    ids = [item["article"]["id"] for item in body["items"]]
    assert ids == [new.id, police.id, old.id]  # newest per category, categories in order
    assert {item["reason"] for item in body["items"]} == {"newest"}
    assert_error(client.get("/api/v1/feed"), 401, "UNAUTHORIZED")


# ---- alerts --------------------------------------------------------------------


def test_alerts_hide_expired_and_compute_trend_figures(client, content):
    sync.sync_content(PROJECT_ROOT / "content")
    body = client.get("/api/v1/alerts?per_page=100").get_json()
    slugs = [item["slug"] for item in body["items"]]
    assert "warning-2026-08-shujia-youxi-zhuangbei" not in slugs  # expired
    published = [item["published_at"] for item in body["items"]]
    assert published == sorted(published, reverse=True)
    trends = {item["slug"]: item for item in body["items"] if item["kind"] == "trend"}
    week = trends["trend-2026-w46"]["trend"]
    stored = db.session.scalar(select(Alert).where(Alert.slug == "trend-2026-w46")).figures
    before = db.session.scalar(select(Alert).where(Alert.slug == "trend-2026-w45")).figures
    cases = sum(d["cases"] for d in stored["districts"])
    prev = sum(d["cases"] for d in before["districts"])
    assert week["total"]["cases"] == cases
    assert week["total"]["cases_change_pct"] == round((cases - prev) / prev * 100, 1)
    assert sum(c["cases"] for c in week["categories"]) == cases
    assert abs(sum(c["share_pct"] for c in week["categories"]) - 100) < 1
    assert trends["trend-2026-w43"]["trend"]["total"]["cases_change_pct"] is None  # first week
    warnings = client.get("/api/v1/alerts?kind=warning").get_json()["items"]
    assert warnings and all(item["trend"] is None and item["body_html"] for item in warnings)


# ---- administration ----------------------------------------------------------------


def test_admin_article_lifecycle(client, content, make_user, auth_headers):
    editor = auth_headers(make_user(roles=["station_admin"]))
    payload = {
        "slug": "admin-written",
        "title": "民警提醒：年底谨防退税诈骗",
        "category": "xujia-zhongjiang-tuishui",
        "summary": "年底各类“退税”“补贴”短信增多，请提高警惕。",
        "body_markdown": BODY,
        "tags": ["退税"],
    }
    created = client.post("/api/v1/admin/articles", json=payload, headers=editor)
    assert created.status_code == 201
    article = created.get_json()
    assert article["status"] == "draft"
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scheduled = client.post(
        f"/api/v1/admin/articles/{article['id']}/publish",
        json={"published_at": later},
        headers=editor,
    ).get_json()
    assert scheduled["status"] == "scheduled"
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    published = client.post(
        f"/api/v1/admin/articles/{article['id']}/publish",
        json={"published_at": None},
        headers=editor,
    )
    # publishing without a time keeps the scheduled time: still in the future
    assert published.get_json()["status"] == "scheduled"
    now = datetime.now(UTC).isoformat()
    live = client.post(
        f"/api/v1/admin/articles/{article['id']}/publish",
        json={"published_at": now},
        headers=editor,
    ).get_json()
    assert live["status"] == "published"
    assert client.get("/api/v1/articles/admin-written").status_code == 200
    edited = client.patch(
        f"/api/v1/admin/articles/{article['id']}",
        json={"title": "民警提醒：谨防退税诈骗"},
        headers=editor,
    ).get_json()
    assert edited["title"] == "民警提醒：谨防退税诈骗"
    assert edited["published_at"] == live["published_at"]  # edits keep published_at
    assert (
        client.delete(f"/api/v1/admin/articles/{article['id']}", headers=editor).status_code == 204
    )
    assert client.get("/api/v1/articles/admin-written").status_code == 404
    listed = client.get("/api/v1/admin/articles?status=archived", headers=editor).get_json()
    assert [item["slug"] for item in listed["items"]] == ["admin-written"]


def test_admin_article_validation_and_permissions(client, content, make_user, auth_headers):
    editor = auth_headers(make_user(roles=["admin"]))
    bad = {
        "slug": "Bad Slug",
        "title": "x",
        "category": "no-such",
        "summary": "短",
        "body_markdown": "",
    }
    body = assert_error(
        client.post("/api/v1/admin/articles", json=bad, headers=editor), 422, "VALIDATION_ERROR"
    )
    assert {"slug", "title", "summary", "body_markdown"} <= set(body["errors"]["json"])
    good = {
        "slug": "ok-slug",
        "title": "标题正常",
        "category": "no-such",
        "summary": "这是一个足够长的摘要。",
        "body_markdown": BODY,
    }
    body = assert_error(
        client.post("/api/v1/admin/articles", json=good, headers=editor), 422, "VALIDATION_ERROR"
    )
    assert "category" in body["errors"]["json"]
    make_article(slug="taken-slug")
    taken = {**good, "category": "shuadan-fanli", "slug": "taken-slug"}
    assert_error(client.post("/api/v1/admin/articles", json=taken, headers=editor), 409, "CONFLICT")
    resident = auth_headers(make_user())
    assert_error(client.get("/api/v1/admin/articles", headers=resident), 403, "FORBIDDEN")
    assert_error(
        client.post("/api/v1/admin/articles", json=good, headers=resident), 403, "FORBIDDEN"
    )


def test_admin_alerts_are_validated_and_archived(client, content, make_user, auth_headers):
    editor = auth_headers(make_user(roles=["admin"]))
    trend = {
        "slug": "trend-test",
        "kind": "trend",
        "title": "本周反诈形势",
        "summary": "示例数据：本周案件情况。",
        "published_at": datetime.now(UTC).isoformat(),
        "source": "示例数据",
        "period": {"start": "2026-11-09", "end": "2026-11-15"},
        "districts": [{"district": "慈溪市", "cases": 3, "loss_wan": 1.5}],
        "categories": [{"category": "shuadan-fanli", "cases": 2}],
    }
    body = assert_error(
        client.post("/api/v1/admin/alerts", json=trend, headers=editor), 422, "VALIDATION_ERROR"
    )
    assert "categories" in body["errors"]["json"]  # 2 by type, 3 by district
    trend["categories"][0]["cases"] = 3
    created = client.post("/api/v1/admin/alerts", json=trend, headers=editor)
    assert created.status_code == 201, created.get_json()
    alert_id = created.get_json()["id"]
    public = client.get("/api/v1/alerts").get_json()["items"]
    assert public[0]["trend"]["categories"][0] == {
        "category": "shuadan-fanli",
        "name": "刷单返利",
        "cases": 3,
        "share_pct": 100.0,
        "cases_change": None,
    }
    assert client.delete(f"/api/v1/admin/alerts/{alert_id}", headers=editor).status_code == 204
    assert client.get("/api/v1/alerts").get_json()["items"] == []
    monday_wrong = {
        **trend,
        "slug": "trend-bad",
        "period": {"start": "2026-11-10", "end": "2026-11-16"},
    }
    assert_error(
        client.post("/api/v1/admin/alerts", json=monday_wrong, headers=editor),
        422,
        "VALIDATION_ERROR",
    )


def test_reading_history_is_exported_and_erased_with_the_account(
    client, content, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    article = make_article()
    opened_long_ago(user, article)
    client.post(f"/api/v1/articles/{article.id}/read", headers=headers)
    exported = client.get("/api/v1/me/export", headers=headers).get_json()
    assert [row["article"] for row in exported["article_reads"]] == [article.slug]
    assert client.delete("/api/v1/me", headers=headers).status_code in (200, 204)
    assert db.session.scalar(select(ArticleRead).where(ArticleRead.user_id == user.id)) is None
    db.session.expire_all()
    listed = client.get("/api/v1/articles").get_json()["items"]
    assert listed[0]["read_count"] == 1  # the count of readers stays true


def test_parallel_reads_of_one_article_pay_once(app, live_server, content, make_user, auth_headers):
    """8 simultaneous "finished reading" requests: one award, one reader counted."""
    import httpx

    from tests.helpers import fire_at_once

    user = make_user()
    article = make_article()
    opened_long_ago(user, article)
    headers, user_id, article_id = auth_headers(user), user.id, article.id

    def send():
        return httpx.post(
            f"{live_server}/api/v1/articles/{article_id}/read", headers=headers, timeout=30
        )

    responses = fire_at_once(8, send)
    assert {r.status_code for r in responses} == {200}
    assert sorted(r.json()["points_awarded"] for r in responses) == [0] * 7 + [2]
    assert sum(r.json()["first_read"] for r in responses) == 1
    db.session.expire_all()
    entries = db.session.scalars(select(PointsEntry).where(PointsEntry.user_id == user_id)).all()
    assert [(e.reason, e.delta) for e in entries] == [("article_read", 2)]
    listed = client_read_count(app, article_id)
    assert listed == 1


def client_read_count(app, article_id):
    body = app.test_client().get(f"/api/v1/articles/{article_id}").get_json()
    return body["read_count"]
