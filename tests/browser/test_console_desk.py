"""Journeys in Chromium through the rewards, desk, events and audit pages, on the test
database: an admin hands a reward out at the desk with the keyboard only (code + Enter,
Enter) and finds the action in the audit log; a station admin announces an event for its
zone and gets the 404 page for another zone's redemption code and event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db
from miniapp_api.timeutil import to_local, utcnow
from tests.browser.support import screenshot, sign_in_console
from tests.factories import (
    ZONE_CENTRE,
    EventFactory,
    RedemptionFactory,
    RewardFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)

# Refused lookups answer 404 or 409 on purpose; Chromium logs those as failed loads.
EXPECTED_STATUS = ("status of 404", "status of 409")


def code_field_focused(page) -> bool:
    """The pickup code field gets the focus (autofocus runs once the page renders)."""
    page.wait_for_function("() => document.activeElement.id === 'f-code'", timeout=5000)
    return True


def unexpected_errors(page_log) -> list[str]:
    return [e for e in page_log.errors if not any(s in e for s in EXPECTED_STATUS)]


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory(name="浒山街道")


@pytest.fixture
def redemption(zone):
    reward = RewardFactory(name="反诈宣传雨伞", points_cost=40, stock=6)
    resident = UserFactory(zone_id=zone.id, nickname="王阿姨")
    return RedemptionFactory(user=resident, reward=reward, code="QX7K2M", points_cost=40)


def status_of(redemption_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Redemption, redemption_id).status


def test_an_admin_hands_a_reward_out_with_two_enters_and_finds_it_in_the_log(
    app, live_app, page, page_log, redemption
):
    admin = UserFactory(roles=["admin"], nickname="李警官")
    base_url = live_app(app)
    sign_in_console(page, app, base_url, admin.id)

    page.goto(f"{base_url}/console/rewards/desk")
    assert code_field_focused(page)
    page.keyboard.type("qx7k2m")  # a scanner types the code, then Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#fulfil-button")
    assert code_field_focused(page)  # ready for the second Enter
    assert "反诈宣传雨伞" in page.locator("#desk-result").inner_text()
    assert "王阿姨" in page.locator("#desk-result").inner_text()
    screenshot(page, "console-desk")

    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    assert "已发放：反诈宣传雨伞（领取码 QX7K2M）" in page.locator(".flash-success").inner_text()
    assert code_field_focused(page)  # the next visitor
    assert page.input_value("#f-code") == ""
    assert status_of(redemption.id) == "fulfilled"
    screenshot(page, "console-desk-done")

    page.keyboard.type("QX7K2M")
    page.keyboard.press("Enter")
    page.wait_for_selector("#desk-error")
    assert "已领取，不能再发放" in page.locator("#desk-error").inner_text()
    assert page.locator("#fulfil-button").count() == 0
    screenshot(page, "console-desk-already")

    page.goto(f"{base_url}/console/rewards")
    screenshot(page, "console-rewards")
    page.locator(f'a[href$="/console/rewards/{redemption.reward_id}"]').click()
    page.fill("#f-stock", "12")
    screenshot(page, "console-reward-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.get(Reward, redemption.reward_id).stock == 12

    page.goto(f"{base_url}/console/audit")
    page.fill("#f-action", "redemption.fulfil")
    page.press("#f-action", "Enter")
    page.wait_for_url("**/console/audit?*action=redemption.fulfil*")
    rows = page.locator("#audit-rows tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "发放奖品" in row and "李警官" in row and "工作台" in row and "浒山街道" in row
    assert f"#{redemption.id}" in row and "pending → fulfilled" in row
    page.goto(f"{base_url}/console/audit")
    assert "修改奖品" in page.locator("#audit-rows").inner_text()
    screenshot(page, "console-audit")
    assert unexpected_errors(page_log) == []
    assert page_log.outside_loopback() == []


def test_a_station_admin_announces_an_event_and_cannot_reach_another_zone(
    app, live_app, page, page_log, zone
):
    officer = StationAdminFactory(zone=zone, nickname="派出所张警官")
    other_zone = ZoneFactory(name="古塘街道")
    foreign = RedemptionFactory(user=UserFactory(zone_id=other_zone.id), code="FR0M0Z")
    foreign_event = EventFactory(title="古塘街道反诈集市")
    base_url = live_app(app)
    sign_in_console(page, app, base_url, officer.id)

    page.goto(f"{base_url}/console/rewards/desk")
    page.keyboard.type("FR0M0Z")
    with page.expect_response(lambda r: "code=FR0M0Z" in r.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 404
    page.wait_for_selector("#desk-error")
    assert "未找到该领取码" in page.locator("#desk-error").inner_text()
    assert code_field_focused(page)
    screenshot(page, "console-desk-not-found")
    assert status_of(foreign.id) == "pending"

    response = page.goto(f"{base_url}/console/events/{foreign_event.id}")
    assert response.status == 404
    assert "活动不存在" in page.locator("main").inner_text()
    screenshot(page, "console-not-found")

    page.goto(f"{base_url}/console/events/new")
    options = page.locator("#f-zone_id option").all_inner_texts()
    assert "浒山街道" in options and "古塘街道" not in options
    start = to_local(utcnow() + timedelta(days=2)).replace(hour=9, minute=0)
    page.fill("#f-title", "社区反诈讲座")
    page.select_option("#f-zone_id", label="浒山街道")
    page.fill("#f-place_name", "文化礼堂")
    page.fill("#f-latitude", str(ZONE_CENTRE[1]))
    page.fill("#f-longitude", str(ZONE_CENTRE[0]))
    page.fill("#f-radius_m", "300")
    page.fill("#f-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    screenshot(page, "console-event-form")
    page.get_by_role("button", name="发布").click()
    page.wait_for_selector(".flash-success")
    assert "已发布活动“社区反诈讲座”" in page.locator(".flash-success").inner_text()
    assert "派出所张警官" in page.locator("main").inner_text()
    screenshot(page, "console-event")

    page.goto(f"{base_url}/console/events")
    listed = page.locator("#event-rows").inner_text()
    assert "社区反诈讲座" in listed and "古塘街道反诈集市" not in listed
    screenshot(page, "console-events")
    assert unexpected_errors(page_log) == []
    assert page_log.outside_loopback() == []
