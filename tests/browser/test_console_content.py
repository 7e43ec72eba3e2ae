"""Journeys through the zones, articles and question bank pages in Chromium, against the
full app and the test database, with CSRF on: an admin draws a zone on the map and finds
it in the list, writes an article watching its preview and publishes it, imports a
question file with a bad row and sees that row; a station admin is kept out of the
article editor and gets a 404 page for another station's zone. Screenshots of each page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles.models import Article
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.zones.models import Zone
from tests.browser.support import screenshot, sign_in_console
from tests.factories import AlertFactory, ArticleFactory, CategoryFactory, QuestionFactory
from tests.helpers import console_app, question_csv, station_world

BODY = "## 识别冒充公检法\n\n公检法机关**不会**通过电话办案，也不会要求把钱转到“安全账户”。\n\n"


@pytest.fixture
def app(app_factory):
    return console_app(app_factory, csrf=True)


@pytest.fixture
def world(app_ctx):
    world = station_world()
    CategoryFactory(slug="fake-police", name="冒充公检法")
    return world


@pytest.fixture
def base_url(live_app, app, world):
    return live_app(app)


def open_as(page, app, base_url, officer, path):
    sign_in_console(page, app, base_url, officer.id)
    page.goto(f"{base_url}{path}", wait_until="networkidle")


def errors_but(page_log, *statuses):
    return [e for e in page_log.errors if not any(f"status of {s}" in e for s in statuses)]


def test_an_admin_draws_a_zone_and_finds_it_in_the_list(page, page_log, app, base_url, world):
    open_as(page, app, base_url, world.admin, "/console/zones")
    page.wait_for_selector("#zone-map.leaflet-container")
    screenshot(page, "console-zones")
    assert "GCJ-02" in page.locator(".lede").inner_text()
    page.click("#zone-map .leaflet-pm-icon-polygon")
    box = page.locator("#zone-map").bounding_box()
    for x, y in [(0.55, 0.15), (0.9, 0.25), (0.75, 0.8)]:  # right of Geoman's buttons
        page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.click("#zone-map .leaflet-pm-action.action-finish")
    assert '"Polygon"' in page.input_value("#f-geometry")
    page.fill("#f-name", "新城社区")
    page.select_option("#f-parent_id", label="白沙路街道")
    page.click("#new-zone button[type=submit]")
    page.wait_for_url("**/console/zones/*")
    page.wait_for_selector("#zone-map.leaflet-container")
    assert "已新建区域“新城社区”" in page.locator(".flashes").inner_text()
    screenshot(page, "console-zone-detail")

    page.click("text=返回区域列表")
    page.wait_for_selector("#zone-rows")
    row = page.locator("#zone-rows tr", has_text="新城社区")
    assert row.locator("td").nth(3).inner_text() == "白沙路街道"
    zone = db.session.scalar(select(Zone).where(Zone.name == "新城社区"))
    assert zone is not None and zone.vertex_count == 3
    assert page_log.outside_loopback() == [] and errors_but(page_log) == []


def test_an_admin_writes_an_article_with_its_preview_and_publishes_it(
    page, page_log, app, base_url, world
):
    open_as(page, app, base_url, world.admin, "/console/articles/new")
    page.fill("#f-title", "接到“公安”电话怎么办")
    page.fill("#f-slug", "fake-police-call")
    page.fill("#f-summary", "公检法机关不会通过电话办案，更不会要求转账。")
    page.fill("#f-body_markdown", BODY * 2 + "<script>alert(1)</script>")
    strong = page.locator("#preview-body strong").first
    strong.wait_for(timeout=5000)  # rendered by the server, swapped in by htmx
    assert strong.inner_text() == "不会"
    assert page.locator("#preview-body h2").first.inner_text() == "识别冒充公检法"
    assert page.locator("#preview-body script").count() == 0
    page.select_option("#f-status", "published")
    screenshot(page, "console-article-editor")
    page.click("#article-form .form-actions button[type=submit]")
    page.wait_for_url("**/console/articles/*")
    assert "已发布" in page.locator(".flashes").inner_text()
    page.locator("#preview-body strong").first.wait_for()
    article = db.session.scalar(select(Article).where(Article.slug == "fake-police-call"))
    assert article.state == "published" and "<script" not in article.body_html

    ArticleFactory(title="刷单返利骗局", summary="刷单返利都是诈骗，先给小甜头再骗大钱。")
    page.goto(f"{base_url}/console/articles", wait_until="networkidle")
    assert "刷单返利骗局" in page.locator("#article-rows").inner_text()
    screenshot(page, "console-articles")
    page.fill("#f-q", "公安")  # htmx swaps the rows in as one types
    page.wait_for_function(
        "() => !document.querySelector('#article-rows').textContent.includes('刷单返利')"
    )
    assert "接到“公安”电话怎么办" in page.locator("#article-rows").inner_text()
    page.goto(f"{base_url}/console/alerts", wait_until="networkidle")
    screenshot(page, "console-alerts")
    assert page_log.outside_loopback() == [] and errors_but(page_log) == []


def test_an_import_with_a_bad_row_shows_the_row(page, page_log, app, base_url, world, tmp_path):
    QuestionFactory(key="police-1", stem="接到自称公安的电话说你涉嫌洗钱，应该怎么做？")
    good = ["imp-01", "fake-police", "单选", "陌生人让你共享屏幕，怎么办？", "照做", "拒绝并挂断"]
    good += ["", "", "B", "共享屏幕会泄露验证码和银行信息。", ""]
    bad = ["imp-02", "fake-police", "单选", "题干内容", "甲", "乙", "", "", "C", "解析内容", ""]
    path = tmp_path / "bank.csv"
    path.write_bytes(question_csv([good, bad]))
    open_as(page, app, base_url, world.admin, "/console/quizzes")
    screenshot(page, "console-quizzes")
    page.set_input_files("#f-file", str(path))
    page.click("#import button[type=submit]")
    page.wait_for_selector("#import-error-rows")
    rows = page.locator("#import-error-rows tr")
    assert rows.count() == 1
    assert rows.first.locator("td").all_inner_texts()[:2] == ["第 3 行", "答案（answer）"]
    assert "没有导入任何题目" in page.locator("#import-errors").inner_text()
    screenshot(page, "console-quizzes-import-errors")

    page.goto(f"{base_url}/console/quizzes/stats", wait_until="networkidle")
    screenshot(page, "console-quiz-stats")
    page.click("#stats-rows a")
    page.wait_for_selector("#item-stats-title")
    screenshot(page, "console-question")
    assert errors_but(page_log, 422) == []


def test_a_station_admin_is_kept_to_its_warnings_and_zones(page, page_log, app, base_url, world):
    AlertFactory(kind="warning", level="high", body_markdown="全市预警正文", title="全市预警")
    open_as(page, app, base_url, world.officer, "/console/articles/new")
    assert "/console/articles" not in page.url  # sent away from the editor
    page.goto(f"{base_url}/console/articles", wait_until="networkidle")
    assert page.url.endswith("/console/alerts")
    assert "全市预警" not in page.locator("#alert-rows").inner_text()
    page.fill("#f-title", "辖区出现冒充快递理赔诈骗")
    page.fill("#f-slug", "local-courier")
    page.fill("#f-summary", "有居民接到自称快递客服的电话，要求共享屏幕。")
    page.fill("#f-body", "快递理赔请通过官方应用办理，不要共享屏幕，不要透露验证码。")
    page.select_option("#f-zone_ids", label="白沙社区")
    page.click("#new-alert button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "辖区出现冒充快递理赔诈骗" in page.locator("#alert-rows").inner_text()
    assert "白沙社区" in page.locator("#alert-rows").inner_text()
    screenshot(page, "console-alerts-station")

    response = page.goto(f"{base_url}/console/zones/{world.other.id}")
    assert response.status == 404
    assert "宗汉街道" not in page.content()
    screenshot(page, "console-zone-404")
    page.goto(f"{base_url}/console/zones/{world.street.id}", wait_until="networkidle")
    assert page.locator("#zone-map .leaflet-pm-toolbar").count() == 0  # read only
    screenshot(page, "console-zone-station")
    assert errors_but(page_log, 404) == []


def test_scheduled_time_round_trips_in_beijing_time(page, app, base_url, world):
    later = utcnow() + timedelta(days=3)
    article = ArticleFactory(status="scheduled", published_at=later, category__slug="x-y")
    open_as(page, app, base_url, world.admin, f"/console/articles/{article.id}")
    shown = page.input_value("#f-published_at")
    assert shown == (later + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    assert "定时发布" in page.locator(".lede").inner_text()


def test_an_admin_drags_a_vertex_of_a_zone_and_saves_it(page, page_log, app, base_url, world):
    before = db.session.get(Zone, world.other.id).shape["shape"]["coordinates"]
    open_as(page, app, base_url, world.admin, f"/console/zones/{world.other.id}")
    page.wait_for_selector("#zone-map.leaflet-container")
    page.click("#zone-map .leaflet-pm-icon-edit")
    vertex = page.locator("#zone-map .marker-icon:not(.marker-icon-middle)").first
    vertex.wait_for()
    box = vertex.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y + 30, steps=5)
    page.mouse.up()
    page.click("#zone-map .leaflet-pm-icon-edit")  # leave edit mode
    page.click(".zone-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    after = db.session.get(Zone, world.other.id).shape["shape"]["coordinates"]
    assert after != before
    assert errors_but(page_log) == []
