"""Public reads answered from each worker's shared store (response_cache.py): the same
bytes until the content changes, a new version the moment it does, every parameter and
the reader's zones in the key, ETags, and answers kept through a database outage."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from miniapp_api import response_cache
from miniapp_api.articles.models import SCHEDULED
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.versions import Version
from tests.factories import AlertFactory, ArticleFactory, CategoryFactory, ZoneFactory
from tests.helpers import assert_error

ARTICLES = "/api/v1/articles"
BODY = "这是一篇用于测试的反诈文章正文，陌生来电要求转账，一律先挂断再核实。" * 3


@pytest.fixture
def fraud_type(app_ctx, clock):
    return CategoryFactory(slug="shuadan-fanli", name="刷单返利")


@pytest.fixture
def editor(make_user, auth_headers):
    return auth_headers(make_user(roles=["admin"]))


@contextmanager
def statements():
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def publish(client, editor, slug: str, **values) -> dict:
    payload = {
        "slug": slug,
        "title": f"民警提醒{slug}",
        "category": "shuadan-fanli",
        "summary": "年底各类“兼职刷单”信息增多，请提高警惕。",
        "body_markdown": BODY,
        "status": "published",
        **values,
    }
    created = client.post("/api/v1/admin/articles", json=payload, headers=editor)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def test_a_repeat_read_runs_only_the_version_check(client, fraud_type):
    """The second identical read is the stored bytes: no query but the version's."""
    ArticleFactory(category=fraud_type, title="第一篇")
    first = client.get(ARTICLES)
    with statements() as seen:
        second = client.get(ARTICLES)
    assert second.data == first.data
    assert len(seen) == 1 and "versions" in seen[0]


def test_a_publication_edit_or_archive_is_seen_at_once(client, editor, fraud_type):
    """Every admin write changes the version: the next read is recomputed."""
    assert titles(client.get(ARTICLES)) == []
    article = publish(client, editor, "first")
    assert titles(client.get(ARTICLES)) == ["民警提醒first"]
    url = f"/api/v1/admin/articles/{article['id']}"
    edited = client.patch(url, json={"title": "改过的标题"}, headers=editor)
    assert edited.status_code == 200, edited.get_json()
    assert titles(client.get(ARTICLES)) == ["改过的标题"]
    retagged = client.patch(url, json={"tags": ["新标签"]}, headers=editor)
    assert retagged.status_code == 200, retagged.get_json()
    assert client.get(ARTICLES).get_json()["items"][0]["tags"] == ["新标签"]
    assert client.delete(url, headers=editor).status_code == 204
    assert titles(client.get(ARTICLES)) == []
    assert client.get(f"{ARTICLES}/first").status_code == 404


def test_every_parameter_is_part_of_the_key(client, fraud_type):
    other = CategoryFactory(slug="maochong-gongjianfa", name="冒充公检法")
    ArticleFactory(category=fraud_type, title="旧的", published_at=utcnow() - timedelta(days=2))
    ArticleFactory(category=other, title="新的", tags=["公检法"])
    assert titles(client.get(ARTICLES)) == ["新的", "旧的"]
    assert titles(client.get(f"{ARTICLES}?per_page=1")) == ["新的"]
    assert titles(client.get(f"{ARTICLES}?per_page=1&page=2")) == ["旧的"]
    assert titles(client.get(f"{ARTICLES}?category=shuadan-fanli")) == ["旧的"]
    assert titles(client.get(f"{ARTICLES}?tag=公检法")) == ["新的"]
    assert titles(client.get(f"{ARTICLES}?q=旧")) == ["旧的"]
    assert_error(client.get(f"{ARTICLES}?page=0"), 422, "VALIDATION_ERROR")


def test_an_etag_repeated_gets_304_without_a_body(client, fraud_type):
    ArticleFactory(category=fraud_type)
    first = client.get("/api/v1/categories")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/api/v1/categories", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    ArticleFactory(category=fraud_type)
    changed = client.get("/api/v1/categories", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.get_json()["items"][0]["article_count"] == 2


def test_a_scheduled_article_appears_on_time_without_any_write(app_factory, clock, fraud_type):
    """The version carries the next publication time: when it passes, the version
    changes, even with a check interval far longer than the wait."""
    app = app_factory(PUBLIC_CACHE_CHECK_SECONDS=3600)
    client = app.test_client()
    ArticleFactory(
        category=fraud_type,
        title="预约发布",
        status=SCHEDULED,
        published_at=utcnow() + timedelta(hours=1),
    )
    assert titles(client.get(ARTICLES)) == []
    clock.advance(minutes=59)
    assert titles(client.get(ARTICLES)) == []
    clock.advance(minutes=1, seconds=1)
    assert titles(client.get(ARTICLES)) == ["预约发布"]


def test_other_workers_see_a_change_within_the_check_interval(
    app_factory, clock, fraud_type, monkeypatch
):
    """Between two checks a worker answers from its store (a write through another worker
    is seen at the next check, PUBLIC_CACHE_CHECK_SECONDS later at most)."""
    app = app_factory(PUBLIC_CACHE_CHECK_SECONDS=1)
    client = app.test_client()
    now = [1000.0]
    monkeypatch.setattr(response_cache.time, "monotonic", lambda: now[0])
    ArticleFactory(category=fraud_type, title="第一篇")
    assert titles(client.get(ARTICLES)) == ["第一篇"]
    ArticleFactory(category=fraud_type, title="第二篇", published_at=utcnow() - timedelta(hours=1))
    now[0] += 0.5
    assert titles(client.get(ARTICLES)) == ["第一篇"]
    now[0] += 0.6
    assert titles(client.get(ARTICLES)) == ["第二篇", "第一篇"]


def test_local_warnings_are_shared_only_by_readers_of_the_zone(
    client, make_user, auth_headers, fraud_type
):
    """The warnings vary by the reader's zones: a zone's local warning, stored for its
    readers, is never served to anyone else, and a city-wide one to everyone."""
    town = ZoneFactory(kind="town")
    community = ZoneFactory(kind="community", parent_id=town.id)
    elsewhere = ZoneFactory(kind="town")
    AlertFactory(title="全市预警")
    AlertFactory(title="白沙预警", zone_ids=[town.id])
    local = auth_headers(make_user(zone_id=community.id))
    stranger = auth_headers(make_user(zone_id=elsewhere.id))
    assert set(titles(client.get("/api/v1/alerts", headers=local))) == {"全市预警", "白沙预警"}
    assert titles(client.get("/api/v1/alerts")) == ["全市预警"]
    assert titles(client.get("/api/v1/alerts", headers=stranger)) == ["全市预警"]
    assert set(titles(client.get("/api/v1/alerts", headers=local))) == {"全市预警", "白沙预警"}


def test_a_signed_in_opening_is_never_a_shared_answer(client, make_user, auth_headers, fraud_type):
    """Anonymous openings share an answer; a reader's opening starts their reading clock
    and says whether they finished it."""
    article = ArticleFactory(category=fraud_type)
    url = f"{ARTICLES}/{article.id}"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    reader = auth_headers(make_user())
    opened = client.get(url, headers=reader)
    assert opened.status_code == 200 and opened.get_json()["read"] is False
    assert "ETag" not in opened.headers
    assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_a_reader_counted_is_not_an_edit(client, make_user, auth_headers, fraud_type, clock):
    article = ArticleFactory(category=fraud_type)
    reader = auth_headers(make_user())
    assert client.get(f"{ARTICLES}/{article.id}", headers=reader).status_code == 200
    before = db.session.scalar(select(Version.value).where(Version.name == "content"))
    clock.advance(minutes=5)
    assert client.post(f"{ARTICLES}/{article.id}/read", headers=reader).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Version.value).where(Version.name == "content")) == before


def test_stored_answers_are_served_while_the_database_is_down(client, fraud_type, monkeypatch):
    """The version cannot be read: the last one stands, so stored answers are served;
    an answer not stored needs the database and gets 503."""
    ArticleFactory(category=fraud_type, title="第一篇")
    assert titles(client.get(ARTICLES)) == ["第一篇"]

    def unreachable(*_args, **_kwargs):
        raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))

    db.session.remove()
    monkeypatch.setattr(db.engine, "connect", unreachable)
    assert titles(client.get(ARTICLES)) == ["第一篇"]
    assert_error(client.get(f"{ARTICLES}?page=2"), 503, "SERVICE_UNAVAILABLE")


def test_zero_seconds_turns_the_store_off(app_factory, clock, fraud_type):
    app = app_factory(PUBLIC_CACHE_SECONDS=0)
    client = app.test_client()
    ArticleFactory(category=fraud_type)
    client.get(ARTICLES)
    with app.app_context(), statements() as seen:  # this app's engine
        response = client.get(ARTICLES)
    assert "ETag" not in response.headers
    assert not any("versions" in statement for statement in seen) and seen
