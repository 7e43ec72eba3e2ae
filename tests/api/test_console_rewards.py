"""The console's reward pages through the Flask client: the catalogue (admins; the same
use cases and audit entries as the admin API, `via: console`), and the pickup desk, where a
station admin finds and hands out only its zones' redemptions (another zone's: 404)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db
from tests.browser.support import console_session_cookie
from tests.factories import (
    RedemptionFactory,
    RewardFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import console_client, console_csrf, console_sign_in, fire_at_once

DESK = "/console/rewards/desk"


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def signed_in(client, user):
    console_sign_in(client, user)
    return console_csrf(client)


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory()


@pytest.fixture
def redemption(zone):
    return RedemptionFactory(user=UserFactory(zone_id=zone.id), code="AB12CD")


def test_the_catalogue_lists_creates_and_edits_rewards_as_the_api_does(client, app_ctx):
    admin = UserFactory(roles=["admin"])
    token = signed_in(client, admin)
    RewardFactory(name="反诈雨伞", stock=3)
    page = client.get("/console/rewards").get_data(as_text=True)
    assert "反诈雨伞" in page and "新增奖品" in page

    form = {"csrf_token": token, "name": "防骗帆布袋", "points_cost": "30", "stock": "10"}
    created = client.post("/console/rewards/new", data={**form, "active": "on"})
    assert created.status_code == 302
    reward = db.session.scalar(select(Reward).where(Reward.name == "防骗帆布袋"))
    assert (reward.points_cost, reward.stock, reward.active) == (30, 10, True)
    [entry] = entries("reward.create")
    assert (entry.actor_id, entry.via, entry.object_id) == (admin.id, "console", str(reward.id))

    edited = client.post(f"/console/rewards/{reward.id}", data={**form, "stock": "4"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert (reward.stock, reward.active) == (4, False)  # the unticked box withdraws it
    [entry] = entries("reward.update")
    assert entry.changes == {"stock": [10, 4], "active": [True, False]}
    assert entry.via == "console"


def test_a_bad_reward_form_is_shown_again_with_chinese_errors(client, app_ctx):
    token = signed_in(client, UserFactory(roles=["admin"]))
    bad = {"csrf_token": token, "name": "", "points_cost": "0", "stock": "很多"}
    response = client.post("/console/rewards/new", data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') == 3, page
    assert "不能为空" in page or "必填" in page
    assert db.session.scalar(select(Reward.id)) is None
    assert entries("reward.create") == []


def test_a_form_without_the_csrf_token_is_refused(client, app_ctx):
    signed_in(client, UserFactory(roles=["admin"]))
    response = client.post("/console/rewards/new", data={"name": "x", "points_cost": "1"})
    assert response.status_code == 400
    assert db.session.scalar(select(Reward.id)) is None


def test_station_admins_get_the_desk_not_the_catalogue(client, zone):
    signed_in(client, StationAdminFactory(zone=zone))
    assert client.get("/console/rewards").headers["Location"].endswith(DESK)
    catalogue_only = client.get("/console/rewards/new")  # an admin's page: back to the home
    assert catalogue_only.status_code == 302
    assert catalogue_only.headers["Location"].endswith("/console/")
    assert client.get(DESK).status_code == 200


def test_anyone_not_signed_in_as_staff_is_sent_to_the_sign_in_page(app):
    with app.app_context():  # no context held across the requests: each has its own `g`
        volunteer_id = UserFactory(roles=["volunteer"]).id
        officer_id = StationAdminFactory().id
    anonymous = app.test_client().get(DESK)
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]
    volunteer = console_client(app, volunteer_id).get(DESK)
    assert volunteer.status_code == 302 and "/console/login" in volunteer.headers["Location"]
    assert console_client(app, officer_id).get(DESK).status_code == 200


def test_the_desk_finds_a_code_then_fulfils_it_once(client, zone, redemption):
    officer = StationAdminFactory(zone=zone)
    token = signed_in(client, officer)
    found = client.get(f"{DESK}?code= ab12cd ")
    assert found.status_code == 200
    page = found.get_data(as_text=True)
    assert redemption.reward.name in page and "确认发放" in page
    assert f'action="/console/rewards/desk/{redemption.id}/fulfil"' in page

    fulfil = f"{DESK}/{redemption.id}/fulfil"
    done = client.post(fulfil, data={"csrf_token": token, "expected": "AB12CD", "code": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith(DESK)
    assert "已发放" in client.get(DESK).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "fulfilled"
    [entry] = entries("redemption.fulfil")
    assert (entry.actor_id, entry.via, entry.zone_id) == (officer.id, "console", zone.id)

    again = client.post(fulfil, data={"csrf_token": token, "expected": "AB12CD"})
    assert again.status_code == 409
    assert "该兑换已处理" in again.get_data(as_text=True)
    looked_up = client.get(f"{DESK}?code=AB12CD")
    assert looked_up.status_code == 409
    assert "已领取，不能再发放" in looked_up.get_data(as_text=True)
    assert len(entries("redemption.fulfil")) == 1


def test_a_new_code_typed_instead_of_enter_is_looked_up(client, zone, redemption):
    token = signed_in(client, StationAdminFactory(zone=zone))
    other = RedemptionFactory(user=UserFactory(zone_id=zone.id), code="ZZ9999")
    response = client.post(
        f"{DESK}/{redemption.id}/fulfil",
        data={"csrf_token": token, "expected": "AB12CD", "code": "zz9999"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{DESK}?code=ZZ9999")
    db.session.expire_all()
    assert {r.status for r in (redemption, other)} == {"pending"}
    assert entries("redemption.fulfil") == []


def test_another_zones_code_is_not_found_for_a_station_admin(client, zone, redemption):
    token = signed_in(client, StationAdminFactory(zone=ZoneFactory()))
    response = client.get(f"{DESK}?code=AB12CD")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "未找到该领取码" in page and redemption.reward.name not in page
    assert client.get(f"{DESK}?code=NOPE00").status_code == 404
    for action in ("fulfil", "cancel"):
        refused = client.post(f"{DESK}/{redemption.id}/{action}", data={"csrf_token": token})
        assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "pending"
    assert entries("redemption.fulfil") == entries("redemption.cancel") == []


def test_the_desk_cancels_a_redemption_and_gives_the_stock_back(client, zone, redemption):
    admin = UserFactory(roles=["admin"])
    token = signed_in(client, admin)
    stock = redemption.reward.stock
    response = client.post(
        f"{DESK}/{redemption.id}/cancel", data={"csrf_token": token, "expected": "AB12CD"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "cancelled"
    assert db.session.get(Reward, redemption.reward_id).stock == stock + 1
    [entry] = entries("redemption.cancel")
    assert (entry.actor_id, entry.via) == (admin.id, "console")


def desk_session(live_server: str, app, officer_id: int) -> tuple[httpx.Client, str]:
    """An HTTP client with a console session for the officer, and its CSRF token."""
    http = httpx.Client(base_url=live_server, timeout=60)
    name, value = app.config["SESSION_COOKIE_NAME"], console_session_cookie(app, officer_id)
    http.cookies.set(name, value, domain="127.0.0.1")  # replaced by the server's as it changes
    page = http.get(DESK).text
    token = re.search(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"', page)
    return http, token.group(1) or token.group(2)


@pytest.mark.postgres
def test_ten_desks_pressing_enter_at_once_hand_the_reward_out_once(app, live_server, zone):
    """The same code fulfilled from ten console sessions at once (two officers, or a double
    Enter): one hand-out, nine "already handled", one audit entry; and a cancel racing a
    fulfil: exactly one of them wins, so the points come back only if nothing was handed."""
    officers = [StationAdminFactory(zone=zone).id, UserFactory(roles=["admin"]).id]
    first = RedemptionFactory(user=UserFactory(zone_id=zone.id), code="RACE01").id
    second = RedemptionFactory(user=UserFactory(zone_id=zone.id), code="RACE02").id
    sessions = [desk_session(live_server, app, officers[n % 2]) for n in range(10)]

    def press(n: int, redemption_id: int, action: str):
        http, token = sessions[n]
        form = {"csrf_token": token, "expected": "", "code": ""}
        return http.post(f"{DESK}/{redemption_id}/{action}", data=form).status_code

    index = iter(range(10))
    codes = fire_at_once(10, lambda: press(next(index), first, "fulfil"))
    assert sorted(codes) == [302] + [409] * 9
    assert len(entries("redemption.fulfil")) == 1

    index = iter(range(10))
    actions = ["fulfil", "cancel"] * 5
    codes = fire_at_once(10, lambda: (n := next(index), press(n, second, actions[n]))[1])
    assert sorted(codes) == [302] + [409] * 9
    db.session.expire_all()
    status = db.session.get(Redemption, second).status
    fulfilled, cancelled = entries("redemption.fulfil"), entries("redemption.cancel")
    assert (len(fulfilled), len(cancelled)) == ((2, 0) if status == "fulfilled" else (1, 1))
    for http, _ in sessions:
        http.close()


def test_a_nul_in_a_form_or_a_query_is_refused_before_any_use_case(client, zone, redemption):
    token = signed_in(client, UserFactory(roles=["admin"]))
    form = {"csrf_token": token, "name": "雨\x00伞", "points_cost": "3", "stock": "1"}
    refused = client.post("/console/rewards/new", data=form)
    assert refused.status_code == 422
    assert "空字符" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Reward.id).where(Reward.name.like("雨%"))) is None
    assert client.get(f"{DESK}?code=AB12%00CD").status_code == 422
    assert client.get("/console/audit?action=%00").status_code == 422
    data = {"csrf_token": token, "expected": "AB\x00"}
    assert client.post(f"{DESK}/{redemption.id}/fulfil", data=data).status_code == 422
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "pending"
