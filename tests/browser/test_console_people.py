"""Console area A in Chromium: an admin signs in through the form, approves a promoter
application, bans a user and finds both in the audit log; five wrong passwords lock the
account; scan-to-sign-in signs in once the mini-program confirms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.staff import service as staff
from miniapp_api.staff import tickets
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.browser.support import screenshot, sign_in_console
from tests.factories import PromoterApplicationFactory, UserFactory
from tests.helpers import station_world

PASSWORD = "Cixi-anti-fraud-2026"


@pytest.fixture
def world(app):
    with app.app_context():
        w = station_world()
        staff.set_password(w.admin.id, PASSWORD, "liwei", None)
        PromoterApplicationFactory(zone=w.street, real_name="陈静", organisation="白沙社区居委会")
        pending = PromoterApplicationFactory(zone=w.town, real_name="王海峰").id
        PromoterApplicationFactory(
            zone=w.other, real_name="李晓燕", status="rejected", reason="不在本辖区居住"
        )
        return {"admin": w.admin.id, "volunteer": w.volunteer.id, "pending": pending}


@pytest.fixture
def base_url(app, live_app):
    return live_app(app)


def actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.via) for e in db.session.scalars(select(AuditEntry))]


def test_admin_signs_in_through_the_form(page, page_log, base_url, world):
    page.goto(f"{base_url}/console/promoters", wait_until="networkidle")
    assert "/console/login" in page.url
    page.fill("#f-username", "liwei")
    page.fill("#f-password", "wrong-password-1")
    page.click("button[type=submit]")
    assert page.locator("#signin-error").inner_text() == "用户名或密码错误"
    page.fill("#f-password", PASSWORD)
    screenshot(page, "console-login")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/promoters")
    assert page.title() == "宣传员审核 · 民警工作台"
    assert page_log.outside_loopback() == []
    assert [e for e in page_log.errors if "status of 422" not in e] == []


def test_admin_approves_an_application(page, page_log, app, base_url, world):
    sign_in_console(page, app, base_url, world["admin"])
    page.goto(f"{base_url}/console/promoters", wait_until="networkidle")
    row = page.locator(f"#application-{world['pending']}")
    assert "待审核" in row.inner_text()
    screenshot(page, "console-promoters")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="通过").click()
    selector = f"#application-{world['pending']}"
    page.wait_for_function(
        f"() => document.querySelector('{selector}').innerText.includes('已通过')"
    )
    assert ("application.approve", "console") in actions(app)
    assert page_log.errors == []


def test_admin_bans_a_user(page, page_log, app, base_url, world):
    sign_in_console(page, app, base_url, world["admin"])
    page.goto(f"{base_url}/console/users", wait_until="networkidle")
    page.fill("#f-q", "志愿者老李")  # htmx searches as the officer types
    page.wait_for_url("**/console/users?q=*")
    page.wait_for_function("() => document.querySelectorAll('#user-rows tr').length === 1")
    screenshot(page, "console-users-search")
    page.locator(f"#user-{world['volunteer']}").get_by_role("link", name="查看").click()
    page.wait_for_url(f"**/console/users/{world['volunteer']}")
    page.fill("#f-reason", "冒充民警实施诈骗")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="封禁", exact=True).click()
    page.wait_for_selector(".flash-success")
    assert "已封禁该用户" in page.locator(".flashes").inner_text()
    screenshot(page, "console-users")
    with app.app_context():
        assert db.session.get(User, world["volunteer"]).status == "banned"
    assert ("user.ban", "console") in actions(app)
    assert page_log.errors == []


def test_scan_to_sign_in_enters_the_console_once_confirmed(page, page_log, app, base_url, world):
    page.goto(f"{base_url}/console/login/qr", wait_until="networkidle")
    screenshot(page, "console-login-qr")
    ticket = page.locator("#ticket-status").get_attribute("hx-get").rsplit("/", 1)[1]
    with app.app_context():
        tickets.confirm_ticket(ticket, db.session.get(User, world["admin"]))
    page.wait_for_url(f"{base_url}/console/", timeout=8000)
    assert page.title() == "工作台首页 · 民警工作台"
    assert page_log.outside_loopback() == []


def test_a_resident_cannot_confirm_even_with_the_ticket(app, world):
    with app.app_context():
        resident = UserFactory()
        ticket = tickets.create_ticket().id
        with pytest.raises(Exception, match="管理人员"):
            tickets.confirm_ticket(ticket, resident)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(page, base_url, world):
    page.goto(f"{base_url}/console/login", wait_until="networkidle")
    for attempt in range(5):
        page.fill("#f-username", "liwei")
        page.fill("#f-password", f"wrong-password-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_selector("#signin-error")
    page.fill("#f-username", "liwei")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#signin-error")
    assert "锁定" in page.locator("#signin-error").inner_text()
    assert "/console/login" in page.url
    screenshot(page, "console-login-locked")


def test_the_console_actions_are_found_in_the_audit_log(page, page_log, app, base_url, world):
    """After an approval and a ban through the console, the audit page lists both."""
    test_admin_approves_an_application(page, page_log, app, base_url, world)
    test_admin_bans_a_user(page, page_log, app, base_url, world)
    page.goto(f"{base_url}/console/audit", wait_until="networkidle")
    table = page.locator("table").first.inner_text()
    assert "application.approve" in table and "user.ban" in table
    screenshot(page, "console-audit-after-actions")
    assert page_log.errors == []
