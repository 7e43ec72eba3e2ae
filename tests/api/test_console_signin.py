"""Console sign-in with the Flask test client: the form, CSRF, the lockout, TOTP, sessions
that end on a ban or a password change, and scan-to-sign-in tickets."""

from __future__ import annotations

import httpx
import pyotp
import pytest

from miniapp_api.staff import service as staff
from miniapp_api.staff import tickets
from miniapp_api.storage import db
from miniapp_api.users import admin_service as users_admin
from miniapp_api.users.models import BANNED, User
from tests.factories import UserFactory
from tests.helpers import assert_error, csrf_token_of, fire_at_once

PASSWORD = "Cixi-anti-fraud-2026"


# No test here holds an app context across requests: each request gets its own `g`, as
# in production (Flask-WTF and the console cache per-request values there).


@pytest.fixture
def officer(app, clock):
    with app.app_context():
        user = UserFactory(roles=["admin"], nickname="李警官")
        staff.set_password(user.id, PASSWORD, "liwei", None)
        user = db.session.get(User, user.id)
    clock.advance(seconds=1)  # sessions start after the password was set
    return user


def sign_in(client, username="liwei", password=PASSWORD, **extra):
    token = csrf_token_of(client.get("/console/login"))
    form = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/console/login", data=form)


def test_the_form_signs_in_and_the_home_page_counts_waiting_applications(client, officer):
    assert client.get("/console/").status_code == 302  # to the sign-in page
    response = sign_in(client, next="/console/?from=test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/?from=test"
    home = client.get("/console/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "李警官" in text and 'id="waiting-applications">0' in text


def test_next_never_leaves_the_console(client, officer):
    response = sign_in(client, next="//evil.example/console")
    assert response.headers["Location"] == "/console/"


def test_a_post_without_the_csrf_token_is_refused_with_a_page(client, officer):
    response = client.post("/console/login", data={"username": "liwei", "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "请刷新页面后重试" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # not signed in


def test_five_wrong_passwords_lock_until_fifteen_minutes_by_the_app_clock(client, officer, clock):
    for _ in range(4):
        response = sign_in(client, password="wrong-password-1")
        assert response.status_code == 422
        assert "用户名或密码错误" in response.get_data(as_text=True)
    locked = sign_in(client, password="wrong-password-1").get_data(as_text=True)
    assert "已锁定" in locked and "10:15" in locked
    sixth = sign_in(client)
    assert sixth.status_code == 422 and "已锁定" in sixth.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    clock.advance(minutes=15)
    assert sign_in(client).status_code == 302
    assert client.get("/console/").status_code == 200


def test_a_ban_ends_the_console_session_at_once(client, app, officer, clock):
    sign_in(client)
    assert client.get("/console/").status_code == 200
    clock.advance(seconds=1)
    with app.app_context():
        other = UserFactory(roles=["admin"])
        users_admin.change_status(officer.id, BANNED, other, reason="测试封禁")
    assert client.get("/console/").status_code == 302


def test_a_password_change_ends_the_console_session(client, app, officer, clock):
    sign_in(client)
    clock.advance(seconds=1)
    with app.app_context():
        staff.set_password(officer.id, "Another-pass-2026", None, None)
    assert client.get("/console/").status_code == 302
    assert sign_in(client).status_code == 422  # the old password no longer works
    assert sign_in(client, password="Another-pass-2026").status_code == 302


def test_totp_asks_for_the_code_after_the_password(client, app, officer, clock):
    with app.app_context():
        secret = staff.set_totp(officer.id, True, None)
    first = sign_in(client)
    assert first.status_code == 200 and "动态验证码" in first.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # not yet
    token = csrf_token_of(first)
    wrong = client.post("/console/login/totp", data={"code": "12345x", "csrf_token": token})
    assert wrong.status_code == 422
    code = pyotp.TOTP(secret).at(clock.now())
    done = client.post("/console/login/totp", data={"code": code, "csrf_token": token})
    assert done.status_code == 302
    assert client.get("/console/").status_code == 200


def test_logout_ends_the_session(client, officer):
    sign_in(client)
    token = csrf_token_of(client.get("/console/"))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


def ticket_of(client) -> str:
    page = client.get("/console/login/qr")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'src="data:image/png;base64,' in text
    return text.split("/console/login/tickets/")[1].split('"')[0]


CONFIRM = "/api/v1/console-logins/{}/confirm"


def test_scan_to_sign_in_confirms_then_signs_in_once(client, app, officer, auth_headers):
    ticket = ticket_of(client)
    waiting = client.get(f"/console/login/tickets/{ticket}")
    assert "等待扫码确认" in waiting.get_data(as_text=True)
    confirmed = client.post(CONFIRM.format(ticket), headers=auth_headers(officer))
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    signed = client.get(f"/console/login/tickets/{ticket}", headers={"HX-Request": "true"})
    assert signed.headers["HX-Redirect"] == "/console/"
    assert client.get("/console/").status_code == 200
    again = app.test_client()
    again_page = again.get(f"/console/login/tickets/{ticket}")
    assert "已过期" in again_page.get_data(as_text=True)  # another browser: never its ticket
    repeat = client.post(CONFIRM.format(ticket), headers=auth_headers(officer))
    assert_error(repeat, 410, "LOGIN_TICKET_EXPIRED")


def test_a_ticket_expires_after_two_minutes(client, officer, auth_headers, clock):
    ticket = ticket_of(client)
    clock.advance(minutes=2)
    late = client.post(CONFIRM.format(ticket), headers=auth_headers(officer))
    assert_error(late, 410, "LOGIN_TICKET_EXPIRED")
    assert "已过期" in client.get(f"/console/login/tickets/{ticket}").get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_only_staff_confirm_and_unknown_tickets_are_404(client, app, officer, auth_headers):
    ticket = ticket_of(client)
    with app.app_context():
        resident = UserFactory()
    assert_error(
        client.post(CONFIRM.format(ticket), headers=auth_headers(resident)), 403, "NOT_STAFF"
    )
    unknown = client.post(CONFIRM.format("x" * 32), headers=auth_headers(officer))
    assert_error(unknown, 404, "LOGIN_TICKET_INVALID")


def _in_threads(app, count: int, work) -> list:
    def send():
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()

    return fire_at_once(count, send)


@pytest.mark.postgres
def test_parallel_confirmations_of_one_ticket_confirm_it_once(app, live_server, auth_headers):
    with app.app_context():
        officers = [UserFactory(roles=["admin"]) for _ in range(8)]
        ticket = tickets.create_ticket().id
    headers = [auth_headers(officer) for officer in officers]
    index = iter(range(len(headers)))

    def send():
        return httpx.post(f"{live_server}{CONFIRM.format(ticket)}", headers=headers[next(index)])

    codes = sorted(r.status_code for r in fire_at_once(len(headers), send))
    assert codes == [200] + [410] * 7


@pytest.mark.postgres
def test_parallel_polls_of_a_confirmed_ticket_sign_in_once(app, officer):
    with app.app_context():
        ticket = tickets.create_ticket().id
        tickets.confirm_ticket(ticket, db.session.get(User, officer.id))
    results = _in_threads(app, 8, lambda: getattr(tickets.redeem_ticket(ticket), "id", None))
    assert results.count(officer.id) == 1 and results.count(None) == 7


@pytest.mark.postgres
def test_parallel_wrong_passwords_all_count_towards_the_lock(app, officer):
    results = _in_threads(app, 8, lambda: staff.check_password("liwei", "wrong-password-1").error)
    # Counted one after another (the credential's row lock): no attempt is lost.
    assert results.count(staff.WRONG) == 4
    assert sum("已锁定" in message for message in results) == 4
    with app.app_context():
        assert "已锁定" in staff.check_password("liwei", PASSWORD).error


def test_sign_in_posts_are_rate_limited_with_a_page(app_factory):
    limited = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    token = csrf_token_of(client.get("/console/login"))
    form = {"username": "nobody", "password": "wrong-password-1", "csrf_token": token}
    codes = [client.post("/console/login", data=form).status_code for _ in range(3)]
    assert codes == [422, 422, 422]
    refused = client.post("/console/login", data=form)
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert "尝试次数过多" in refused.get_data(as_text=True)


def test_tickets_expired_for_a_day_are_deleted_when_a_new_one_is_made(app, clock):
    with app.app_context():
        old = tickets.create_ticket().id
        clock.advance(days=1, minutes=3)
        tickets.create_ticket()
        assert db.session.get(tickets.ConsoleLoginTicket, old) is None
