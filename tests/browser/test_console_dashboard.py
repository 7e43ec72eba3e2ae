"""The dashboard in Chromium: the figures, the 30-day chart drawn by the vendored ECharts
from the options in the page, nothing from outside the app, no script error."""

from __future__ import annotations

from miniapp_api.storage import db
from tests.browser.support import screenshot, sign_in_console
from tests.factories import (
    PromoterApplicationFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)


def test_the_dashboard_draws_its_chart_offline(app, app_ctx, live_app, page, page_log):
    zone = ZoneFactory(name="浒山街道")
    officer = StationAdminFactory(zone=zone)
    for _ in range(4):
        UserFactory(zone_id=zone.id)
    PromoterApplicationFactory(zone=zone)
    db.session.commit()
    base_url = live_app(app)
    sign_in_console(page, app, base_url, officer.id)

    page.goto(f"{base_url}/console/dashboard", wait_until="networkidle")
    page.wait_for_selector("[data-chart] canvas")
    assert page.locator(".stat-waiting dd a").inner_text() == "1"
    assert "浒山街道" in page.locator("#dashboard-zones").inner_text()
    screenshot(page, "console-dashboard")
    assert page_log.errors == []
    assert page_log.outside_loopback() == []
