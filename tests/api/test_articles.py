"""Fraud types, articles, reading points, the feed and alerts through HTTP (the content
administration: test_articles_admin.py; races: test_articles_concurrency.py). Time stands
still (the `clock` fixture) unless a test moves it."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles.models import SCHEDULED, ArticleRead
from miniapp_api.categories import service as fraud_types
from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content import sync
from miniapp_api.content.files import load_categories, load_risk_profiles
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.factories import AlertFactory, ArticleFactory
from tests.helpers import assert_error

BODY = "这是一篇用于测试的反诈文章正文。" * 5


@pytest.fixture
def app(app_factory):
    return app_factory(ARTICLE_MIN_READ_SECONDS=15)


@pytest.fixture
def content(app_ctx, clock):
    """The shipped categories and risk profiles (articles are made per test)."""
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
    """A published article of a shipped fraud type, out since `days_ago` days."""
    values.setdefault("published_at", utcnow() - timedelta(days=days_ago))
    return ArticleFactory(category=fraud_types.by_slug(category), **values)


def open_as(client, headers, *articles):
    """Open the articles as the reader: their reading clocks start."""
    for article in articles:
        assert client.get(f"/api/v1/articles/{article.id}", headers=headers).status_code == 200


# ---- reading ---------------------------------------------------------------


def test_list_filters_searches_and_paginates(client, content):
    a = make_article("shuadan-fanli", title="点赞返利的兼职", tags=["兼职", "大学生"], days_ago=3)
    b = make_article("maochong-gongjianfa", title="自称警察的电话", summary="屏幕共享的骗局摘要。")
    make_article("yanglao-zhapian", status="draft")
    make_article("yanglao-zhapian", status=SCHEDULED, published_at=utcnow() + timedelta(days=1))
    body = client.get("/api/v1/articles").get_json()
    assert [item["id"] for item in body["items"]] == [b.id, a.id]
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 2)
    assert body["items"][0]["category"] == {"slug": "maochong-gongjianfa", "name": "冒充公检法"}
    assert body["items"][0]["published_at"].endswith("+08:00")

    def ids(query):
        return [i["id"] for i in client.get(f"/api/v1/articles?{query}").get_json()["items"]]

    assert ids("category=shuadan-fanli") == [a.id]
    assert ids("tag=大学生") == [a.id]
    assert ids("q=屏幕共享") == [b.id]  # summary
    assert ids("q=兼职") == [a.id]  # title and tag
    assert ids("q=没有这个词") == []
    # LIKE's wildcards match only themselves (defect 15: `q=%` matched every article)
    assert ids("q=%25") == [] and ids("q=_") == []
    assert ids("per_page=1&page=2") == [a.id]
    assert_error(client.get("/api/v1/articles?per_page=500"), 422, "VALIDATION_ERROR")


def test_categories_count_visible_articles(client, content):
    make_article("shuadan-fanli")
    make_article("shuadan-fanli", status="draft")
    make_article("yanglao-zhapian", status=SCHEDULED, published_at=utcnow() + timedelta(hours=1))
    items = client.get("/api/v1/categories").get_json()["items"]
    assert len(items) == 18
    assert items[0] == {
        "slug": "shuadan-fanli",
        "name": "刷单返利",
        "description": items[0]["description"],
        "risk_groups": ["students", "job_seekers", "young_adults", "women", "homemakers"],
        "article_count": 1,
    }
    counts = {item["slug"]: item["article_count"] for item in items}
    assert counts["yanglao-zhapian"] == 0


def test_detail_by_id_or_slug_and_hidden_states(client, content, make_user, auth_headers):
    article = make_article(body_markdown=BODY + "\n\n<script>alert(1)</script>")
    by_slug = client.get(f"/api/v1/articles/{article.slug}").get_json()
    by_id = client.get(f"/api/v1/articles/{article.id}").get_json()
    assert by_slug == by_id
    assert "script" not in by_id["body_html"] and "alert" not in by_id["body_html"]
    assert by_id["body_markdown"].startswith("这是一篇")
    assert by_id["read"] is False and by_id["min_read_seconds"] == 15
    assert by_id["tags"] == ["测试"] and by_id["read_count"] == 0
    draft = make_article(status="draft")
    later = make_article(status=SCHEDULED, published_at=utcnow() + timedelta(hours=1))
    for hidden in (draft, later):
        assert_error(client.get(f"/api/v1/articles/{hidden.id}"), 404, "NOT_FOUND")
        assert_error(client.get(f"/api/v1/articles/{hidden.slug}"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/articles/no-such-article"), 404, "NOT_FOUND")
    user = make_user()
    open_as(client, auth_headers(user), article)
    assert db.session.scalar(select(ArticleRead).where(ArticleRead.user_id == user.id)) is not None


def test_reading_points_need_the_minimum_time_and_pay_once(
    client, content, clock, make_user, auth_headers
):
    """The HTTP side of `mark_read` (tests/services/test_articles_service.py has the rest)."""
    user = make_user()
    headers = auth_headers(user)
    article = make_article()
    read = f"/api/v1/articles/{article.id}/read"
    assert_error(client.post(read, headers=headers), 409, "READ_TOO_FAST")  # never opened
    open_as(client, headers, article)
    clock.advance(seconds=10)
    body = assert_error(client.post(read, headers=headers), 409, "READ_TOO_FAST")
    assert "6 秒" in body["message"]
    clock.advance(seconds=6)
    assert client.post(read, headers=headers).get_json() == {
        "article_id": article.id,
        "first_read": True,
        "points_awarded": 2,
        "capped": False,
        "balance": 2,
    }
    again = client.post(read, headers=headers).get_json()
    assert (again["first_read"], again["points_awarded"], again["balance"]) == (False, 0, 2)
    detail = client.get(f"/api/v1/articles/{article.id}", headers=headers).get_json()
    assert detail["read"] is True and detail["read_count"] == 1
    assert_error(client.post("/api/v1/articles/999999/read", headers=headers), 404, "NOT_FOUND")


def test_reading_points_stop_at_the_daily_cap_and_readers_are_counted(
    client, content, clock, make_user, auth_headers
):
    user, other = make_user(), make_user()
    pieces = [make_article() for _ in range(6)]
    open_as(client, auth_headers(user), *pieces)
    open_as(client, auth_headers(other), pieces[0])
    clock.advance(seconds=16)
    results = []
    for article in pieces:
        response = client.post(f"/api/v1/articles/{article.id}/read", headers=auth_headers(user))
        results.append(response.get_json()["points_awarded"])
    assert results == [2, 2, 2, 2, 2, 0]  # 10 a day
    capped = client.post(f"/api/v1/articles/{pieces[5].id}/read", headers=auth_headers(user))
    assert capped.get_json()["first_read"] is False
    client.post(f"/api/v1/articles/{pieces[0].id}/read", headers=auth_headers(other))
    db.session.expire_all()
    listed = {i["id"]: i["read_count"] for i in client.get("/api/v1/articles").get_json()["items"]}
    assert listed[pieces[0].id] == 2 and listed[pieces[5].id] == 1


# ---- feed --------------------------------------------------------------------


def test_feed_puts_subscriptions_and_risk_profile_first_unread_before_read(
    client, content, clock, make_user, auth_headers
):
    elderly = make_user(age_group="60_plus", subscribed_categories=["xujia-touzi-licai"])
    invest_old = make_article("xujia-touzi-licai", days_ago=5)
    invest_new = make_article("xujia-touzi-licai", days_ago=1)
    pension = make_article("yanglao-zhapian", days_ago=2)
    make_article("youxi-xujia-jiaoyi", days_ago=0)  # not for this reader
    open_as(client, auth_headers(elderly), invest_new)
    clock.advance(seconds=16)
    client.post(f"/api/v1/articles/{invest_new.id}/read", headers=auth_headers(elderly))
    body = client.get("/api/v1/feed", headers=auth_headers(elderly)).get_json()
    assert [(i["article"]["id"], i["read"], i["reason"]) for i in body["items"]] == [
        (pension.id, False, "risk_profile"),
        (invest_old.id, False, "subscribed"),
        (invest_new.id, True, "subscribed"),
    ]
    assert body["interests"][0] == "xujia-touzi-licai"
    assert "yanglao-zhapian" in body["interests"]
    second = client.get("/api/v1/feed?per_page=2&page=2", headers=auth_headers(elderly))
    assert [i["article"]["id"] for i in second.get_json()["items"]] == [invest_new.id]
    assert (second.get_json()["total"], second.get_json()["interests"]) == (3, body["interests"])


def test_feed_without_a_profile_gives_the_newest_of_each_category(
    client, content, clock, make_user, auth_headers
):
    reader = make_user()
    old = make_article("shuadan-fanli", days_ago=9)
    new = make_article("shuadan-fanli", days_ago=1)
    police = make_article("maochong-gongjianfa", days_ago=4)
    body = client.get("/api/v1/feed", headers=auth_headers(reader)).get_json()
    ids = [item["article"]["id"] for item in body["items"]]
    assert ids == [new.id, police.id, old.id]  # newest per category, categories in order
    assert {item["reason"] for item in body["items"]} == {"newest"}
    assert body["interests"] == []
    open_as(client, auth_headers(reader), new)
    clock.advance(seconds=16)
    client.post(f"/api/v1/articles/{new.id}/read", headers=auth_headers(reader))
    body = client.get("/api/v1/feed", headers=auth_headers(reader)).get_json()
    assert [(i["article"]["id"], i["read"]) for i in body["items"]] == [
        (police.id, False),
        (old.id, False),
        (new.id, True),
    ]
    assert_error(client.get("/api/v1/feed"), 401, "UNAUTHORIZED")


# ---- alerts --------------------------------------------------------------------


def test_alerts_show_current_warnings_only(client, content):
    now = utcnow()
    current = AlertFactory(category=fraud_types.by_slug("maochong-gongjianfa"))
    AlertFactory(published_at=now - timedelta(days=9), expires_at=now - timedelta(days=1))
    AlertFactory(status=SCHEDULED, published_at=now + timedelta(hours=1))
    AlertFactory(status="archived")
    body = client.get("/api/v1/alerts").get_json()
    assert [item["id"] for item in body["items"]] == [current.id]
    item = body["items"][0]
    assert (item["kind"], item["level"], item["trend"]) == ("warning", "high", None)
    assert item["category"] == {"slug": "maochong-gongjianfa", "name": "冒充公检法"}
    assert item["published_at"].endswith("+08:00") and item["expires_at"] is None


def test_reading_history_is_exported_and_erased_with_the_account(
    client, content, clock, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    article = make_article()
    open_as(client, headers, article)
    clock.advance(seconds=16)
    client.post(f"/api/v1/articles/{article.id}/read", headers=headers)
    exported = client.get("/api/v1/me/export", headers=headers).get_json()
    assert [row["article"] for row in exported["article_reads"]] == [article.slug]
    assert client.delete("/api/v1/me", headers=headers).status_code in (200, 204)
    assert db.session.scalar(select(ArticleRead).where(ArticleRead.user_id == user.id)) is None
    db.session.expire_all()
    listed = client.get("/api/v1/articles").get_json()["items"]
    assert listed[0]["read_count"] == 1  # the count of readers stays true
