"""/console/articles and /console/alerts through the Flask test client: filters, the
editor and its preview (exactly the API's sanitised HTML), publish, schedule, archive,
cover uploads (type, size, served back), and warnings by scope (a station admin's own
zones only: city-wide is 403, another station's 404), each write audited via the console."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles.footer import with_footer
from miniapp_api.articles.models import Alert, Article
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.timeutil import to_local, utcnow
from tests.factories import AlertFactory, ArticleFactory, CategoryFactory
from tests.helpers import console_app, console_client, station_world

BODY = "## 识别冒充公检法\n\n公检法机关**不会**通过电话办案，也不会要求转账到“安全账户”。" * 2
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def app(app_factory, tmp_path):
    return console_app(app_factory, UPLOAD_DIR=str(tmp_path), COVER_MAX_BYTES=1024)


@pytest.fixture
def world(app_ctx):
    return station_world()


@pytest.fixture
def category(app_ctx):
    return CategoryFactory(slug="fake-police", name="冒充公检法")


def article_form(**overrides) -> dict:
    form = {
        "title": "接到“公安”电话怎么办",
        "slug": "fake-police-call",
        "category": "fake-police",
        "format": "guide",
        "tags": "冒充公检法、安全账户",
        "summary": "公检法机关不会通过电话办案，更不会要求转账。",
        "key_points": "公检法不会电话办案\n没有所谓的安全账户",
        "audience": ["elderly", "retirees"],
        "body_markdown": BODY,
        "status": "draft",
        "published_at": "",
    }
    return {**form, **overrides}


def actions(name: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == name)))


def test_the_preview_is_the_apis_sanitised_html(app, world):
    client = console_client(app, world.admin.id)
    markdown = BODY + '\n\n<script>alert(1)</script><img src="x" onerror="alert(2)">'
    html = client.post("/console/articles/preview", data={"body_markdown": markdown}).get_data(
        as_text=True
    )
    assert with_footer(render_markdown(markdown)) in html
    assert "<script" not in html and "onerror" not in html
    assert "<strong>不会</strong>" in html


def test_an_admin_creates_schedules_publishes_and_archives(app, world, category):
    client = console_client(app, world.admin.id)
    answer = client.post("/console/articles/new", data=article_form())
    assert answer.status_code == 302
    article = db.session.scalar(select(Article).where(Article.slug == "fake-police-call"))
    assert article.state == "draft" and article.tags == ["冒充公检法", "安全账户"]
    assert article.audience == ["elderly", "retirees"] and len(article.key_points) == 2
    assert actions("article.create")[0].via == "console"

    later = to_local(utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = article_form(status="scheduled", published_at=later)
    assert client.post(f"/console/articles/{article.id}", data=form).status_code == 302
    db.session.refresh(article)
    assert article.state == "scheduled"
    editor = client.get(f"/console/articles/{article.id}").get_data(as_text=True)
    assert later in editor and "定时发布" in editor

    form = article_form(status="published", published_at="")
    client.post(f"/console/articles/{article.id}", data=form)
    db.session.refresh(article)
    assert article.state == "published"
    client.post(f"/console/articles/{article.id}/archive")
    db.session.refresh(article)
    assert article.state == "archived"
    assert [e.via for e in actions("article.update") + actions("article.archive")] == [
        "console"
    ] * 3


def test_bad_fields_are_shown_and_nothing_is_saved(app, world, category):
    client = console_client(app, world.admin.id)
    answer = client.post("/console/articles/new", data=article_form(slug="Bad Slug", summary="短"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="f-slug-error"' in html and 'id="f-summary-error"' in html
    ArticleFactory(slug="taken", category=category)
    answer = client.post("/console/articles/new", data=article_form(slug="taken"))
    assert answer.status_code == 422 and "已被使用" in answer.get_data(as_text=True)
    assert actions("article.create") == []


def test_the_list_filters_by_status_category_and_text(app, world, category):
    ArticleFactory(title="冒充公检法的新骗局", category=category)
    ArticleFactory(title="刷单返利", status="draft", published_at=None)
    client = console_client(app, world.admin.id)
    html = client.get("/console/articles?category=fake-police").get_data(as_text=True)
    assert "冒充公检法的新骗局" in html and "刷单返利" not in html
    rows = client.get("/console/articles?status=draft", headers={"HX-Request": "true"})
    text = rows.get_data(as_text=True)
    assert "刷单返利" in text and "冒充公检法的新骗局" not in text and "<html" not in text
    assert "刷单" in client.get("/console/articles?q=刷单").get_data(as_text=True)


def test_a_cover_upload_is_checked_stored_and_served(app, world, category):
    client = console_client(app, world.admin.id)
    form = article_form(cover=(io.BytesIO(b"GIF89a" + b"\0" * 20), "x.png"))
    answer = client.post("/console/articles/new", data=form)
    assert answer.status_code == 422 and "JPEG、PNG 或 WebP" in answer.get_data(as_text=True)
    form = article_form(cover=(io.BytesIO(PNG * 20), "big.png"))
    assert "不能超过" in client.post("/console/articles/new", data=form).get_data(as_text=True)

    form = article_form(cover=(io.BytesIO(PNG), "cover.png"))
    assert client.post("/console/articles/new", data=form).status_code == 302
    article = db.session.scalar(select(Article).where(Article.slug == "fake-police-call"))
    assert article.cover_url.startswith(app.config["PUBLIC_BASE_URL"])
    with app.test_client().get(article.cover_url.split("5000", 1)[1]) as served:  # anonymous
        assert served.status_code == 200 and served.data == PNG
        assert served.mimetype == "image/png"
    assert app.test_client().get("/console/media/covers/..%2Fsecret.png").status_code == 404


def test_a_station_admin_cannot_open_the_article_editor(app, world, category):
    client = console_client(app, world.officer.id)
    article = ArticleFactory(category=category)
    assert client.get("/console/articles").headers["Location"].endswith("/console/alerts")
    for path in ("/console/articles/new", f"/console/articles/{article.id}"):
        assert client.get(path).status_code == 302
    assert client.post("/console/articles/new", data=article_form()).status_code == 302
    assert client.post(f"/console/articles/{article.id}/archive").status_code == 302
    db.session.refresh(article)
    assert article.state == "published" and actions("article.create") == []


def warning_form(**overrides) -> dict:
    form = {
        "title": "近期辖区出现冒充快递理赔诈骗",
        "slug": "local-courier-claims",
        "level": "high",
        "category": "",
        "summary": "有居民接到自称快递客服的电话，要求下载会议软件共享屏幕。",
        "body": "快递理赔请通过官方应用办理，不要共享屏幕，不要透露验证码。",
        "published_at": "",
        "expires_at": "",
    }
    return {**form, **overrides}


def test_a_station_admin_publishes_local_warnings_of_its_zones_only(app, world):
    client = console_client(app, world.officer.id)
    answer = client.post("/console/alerts", data=warning_form(zone_ids=[str(world.street.id)]))
    assert answer.status_code == 302
    alert = db.session.scalar(select(Alert).where(Alert.slug == "local-courier-claims"))
    assert alert.zone_ids == [world.street.id] and actions("alert.create")[0].via == "console"

    citywide = client.post("/console/alerts", data=warning_form(slug="citywide"))
    assert citywide.status_code == 403
    foreign = client.post(
        "/console/alerts", data=warning_form(slug="foreign", zone_ids=[str(world.other.id)])
    )
    assert foreign.status_code == 404
    theirs = AlertFactory(kind="warning", level="high", body_markdown="正文", slug="theirs")
    assert client.get(f"/console/alerts/{theirs.id}").status_code == 403  # city-wide
    listing = client.get("/console/alerts").get_data(as_text=True)
    assert "近期辖区出现冒充快递理赔诈骗" in listing and theirs.title not in listing
    assert len(actions("alert.create")) == 1


def test_a_warning_is_edited_expired_and_archived(app, world):
    client = console_client(app, world.admin.id)
    client.post("/console/alerts", data=warning_form())
    alert = db.session.scalar(select(Alert).where(Alert.slug == "local-courier-claims"))
    assert alert.zone_ids == [] and alert.state == "published"  # an admin's: city-wide
    form = warning_form(title="冒充快递理赔诈骗（更新）", published_at="", zone_ids=[])
    assert client.post(f"/console/alerts/{alert.id}", data=form).status_code == 302
    assert client.post(f"/console/alerts/{alert.id}/expire").status_code == 302
    db.session.refresh(alert)
    assert alert.title.endswith("（更新）") and alert.expires_at is not None
    client.post(f"/console/alerts/{alert.id}/archive")
    db.session.refresh(alert)
    assert alert.status == "archived"
    assert len(actions("alert.update")) == 2 and actions("alert.archive")[0].via == "console"
