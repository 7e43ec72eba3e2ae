"""The console layout in Chromium: offline, error-free, 1366x768, keyboard, htmx, map, chart."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from miniapp_api.console import register_console
from miniapp_api.console.nav import SECTIONS
from tests.browser.support import screenshot

NAV_LABELS = [section.label for section in SECTIONS]


@pytest.fixture
def base_url(live_app) -> str:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="browser-test")
    register_console(app)
    return live_app(app)


@pytest.fixture
def layout(page, base_url):
    page.goto(f"{base_url}/console/_layout", wait_until="networkidle")
    page.wait_for_selector("#zone-map.leaflet-container")
    page.wait_for_selector("[data-chart] canvas")
    return page


def test_layout_loads_everything_from_the_app(layout, page_log):
    page = layout
    screenshot(page, "console-layout")
    screenshot(page, "console-layout-1366x768", full_page=False)

    assert page_log.requests, "no requests were recorded"
    assert page_log.outside_loopback() == []
    assert page_log.errors == []
    assert page.title() == "布局示例 · 民警工作台"
    assert page.locator(".topbar .brand").inner_text().strip() == "防骗我最牛·民警工作台"
    assert page.locator(".sidenav a").all_inner_texts() == NAV_LABELS
    assert "GCJ-02" in page.locator(".footer").inner_text()
    assert page.locator("#zone-map .leaflet-pm-toolbar").count() > 0
    assert page.locator("#zone-map path.leaflet-interactive").count() == 3  # the sample zones
    assert page.locator(".leaflet-tile").count() == 0  # no tile layer


def test_layout_fits_1366x768_without_horizontal_scroll(layout):
    page = layout
    size = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " nav: document.querySelector('.sidenav li:last-child').getBoundingClientRect().bottom})"
    )
    assert size["inner"] == 1366
    assert size["scroll"] <= size["inner"]
    assert size["nav"] <= 768, "the whole navigation is visible without scrolling"


def test_tab_moves_through_the_navigation_with_a_visible_focus(layout):
    page = layout
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const el = document.activeElement, s = getComputedStyle(el);"
            " return {nav: !!el.closest('.sidenav'), text: el.innerText.trim(),"
            " outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"
        )
        if focused["nav"]:
            seen.append(focused["text"])
            assert focused["outline"] == "solid" and focused["width"] >= 2, focused
        if len(seen) == len(NAV_LABELS):
            break
    assert seen == NAV_LABELS
    screenshot(page, "console-layout-nav-focus", full_page=False)


def test_htmx_swaps_the_list_the_table_body_and_the_form_errors(layout, page_log):
    page = layout
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the link reloaded the page
    page.click("#promoter-list-next")
    page.wait_for_url("**/console/_layout?page=2")
    page.wait_for_function(
        "() => document.querySelector('#promoter-list .current').textContent === '2'"
    )
    assert page.evaluate("() => window.sameDocument") is True
    assert "第 2 / 2 页" in page.locator("#promoter-list .pagination-summary").inner_text()
    assert page.locator("#promoter-rows tr").first.locator("td").first.inner_text() == (
        "SQ2026110307"
    )

    page.fill("#promoter-search", "浒山")
    page.wait_for_function(
        "() => document.querySelectorAll('#promoter-rows tr').length === 2", timeout=5000
    )
    assert page.locator("#promoter-rows td:nth-child(4)").all_inner_texts() == ["浒山街道"] * 2

    page.click("#event-form button[type=submit]")
    error = page.locator("#event-form #f-name-error")
    error.wait_for(timeout=5000)
    assert error.inner_text() == "请填写活动名称。"
    assert page.locator("#f-name").get_attribute("aria-invalid") == "true"
    assert page_log.outside_loopback() == []
    # Chromium reports every 4xx response on the console: the 422 is the form's answer.
    assert [e for e in page_log.errors if "status of 422" not in e] == []


def test_a_polygon_drawn_with_geoman_lands_in_the_field(layout, page_log):
    page = layout
    page.locator("#zone-map").scroll_into_view_if_needed()
    page.click("#zone-map .leaflet-pm-icon-polygon")
    box = page.locator("#zone-map").bounding_box()
    # Right of Geoman's action buttons and clear of the sample zones.
    for x, y in [(0.72, 0.2), (0.92, 0.3), (0.82, 0.75)]:
        page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.click("#zone-map .leaflet-pm-action.action-finish")
    geojson = json.loads(page.input_value("#f-boundary"))
    assert geojson["type"] == "FeatureCollection"
    [feature] = geojson["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"][0]) == 4  # three corners, closed
    assert page_log.errors == []
    screenshot(page, "console-layout-drawn-zone", full_page=False)
