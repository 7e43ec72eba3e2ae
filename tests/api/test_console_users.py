"""用户管理 pages: search and file within the officer's reach (another zone's user by URL is
a 404 page), and the actions — roles, ban and unban, points — through the admin API's use
cases, each writing its audit entry with via console."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.helpers import console_client, csrf_token_of, station_world


@pytest.fixture
def world(app):
    with app.app_context():
        w = station_world()
        return {name: getattr(w, name).id for name in (
            "admin", "officer", "promoter", "volunteer", "outsider", "resident", "street", "other"
        )}  # fmt: skip


def audit(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def user(app, user_id: int) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def test_search_finds_by_nickname_and_shows_no_openid(app, world):
    client = console_client(app, world["admin"])
    page = client.get("/console/users?q=志愿者老李")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="user-{world["volunteer"]}"' in html
    assert f'id="user-{world["outsider"]}"' not in html
    assert "o-volunteer" not in html
    partial = client.get("/console/users?q=志愿者", headers={"HX-Target": "user-results"})
    assert "<html" not in partial.get_data(as_text=True)


def test_a_station_admin_lists_only_its_zones_and_gets_404_for_another_zones_user(app, world):
    client = console_client(app, world["officer"])
    html = client.get("/console/users?q=志愿者").get_data(as_text=True)
    assert f'id="user-{world["volunteer"]}"' in html
    assert f'id="user-{world["outsider"]}"' not in html
    assert client.get(f"/console/users/{world['volunteer']}").status_code == 200
    foreign = client.get(f"/console/users/{world['outsider']}")
    assert foreign.status_code == 404 and "用户不存在" in foreign.get_data(as_text=True)
    token = csrf_token_of(client.get("/console/users"))
    ban = client.post(
        f"/console/users/{world['outsider']}/ban", data={"csrf_token": token, "reason": "刷分"}
    )
    assert ban.status_code == 404
    assert audit(app) == []


def test_the_file_shows_roles_balance_and_ledger(app, world):
    client = console_client(app, world["admin"])
    html = client.get(f"/console/users/{world['promoter']}").get_data(as_text=True)
    assert "宣传员：白沙社区" in html and 'id="points-balance"' in html
    assert "o-promoter" not in html and "13988880000" not in html


def test_ban_and_unban_with_a_reason_are_audited_via_console(app, world):
    client = console_client(app, world["officer"])
    path = f"/console/users/{world['volunteer']}"
    token = csrf_token_of(client.get(path))
    empty = client.post(f"{path}/ban", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302
    assert user(app, world["volunteer"]).status == "active"
    assert 'class="flash flash-error"' in client.get(path).get_data(as_text=True)
    assert audit(app) == []
    done = client.post(f"{path}/ban", data={"csrf_token": token, "reason": "冒充民警诈骗"})
    assert done.status_code == 302
    assert user(app, world["volunteer"]).status == "banned"
    assert "已封禁该用户" in client.get(path).get_data(as_text=True)
    client.post(f"{path}/unban", data={"csrf_token": token})
    assert user(app, world["volunteer"]).status == "active"
    entries = audit(app)
    assert [(e.action, e.via, e.reason) for e in entries] == [
        ("user.ban", "console", "冒充民警诈骗"),
        ("user.unban", "console", None),
    ]


def test_points_adjustment_with_a_reason_counts_once_per_form(app, world):
    client = console_client(app, world["admin"])
    path = f"/console/users/{world['volunteer']}"
    page = client.get(path).get_data(as_text=True)
    token = csrf_token_of(client.get(path))
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {"csrf_token": token, "idempotency_key": key, "delta": "30", "reason": "活动补录"}
    before = user(app, world["volunteer"]).points_balance
    assert client.post(f"{path}/points", data=form).status_code == 302
    assert client.post(f"{path}/points", data=form).status_code == 302  # a double submit
    assert user(app, world["volunteer"]).points_balance == before + 30
    assert [e.action for e in audit(app)] == ["points.adjust"]
    bad = client.post(f"{path}/points", data={**form, "delta": "abc", "idempotency_key": "k2"})
    assert bad.status_code == 302
    assert "请填写整数积分" in client.get(path).get_data(as_text=True)


def test_grant_and_revoke_promoter_in_the_officers_zone(app, world):
    client = console_client(app, world["officer"])
    path = f"/console/users/{world['resident']}"
    with app.app_context():
        db.session.get(User, world["resident"]).zone_id = world["street"]
        db.session.commit()
    token = csrf_token_of(client.get(path))
    granted = client.post(
        f"{path}/roles", data={"csrf_token": token, "role": "promoter", "zone_id": world["street"]}
    )
    assert granted.status_code == 302
    assert user(app, world["resident"]).has_role("promoter")
    refused = client.post(f"{path}/roles", data={"csrf_token": token, "role": "admin"})
    assert refused.status_code == 302
    assert "只有市级管理员" in client.get(path).get_data(as_text=True)
    client.post(f"{path}/roles/promoter/revoke", data={"csrf_token": token})
    assert not user(app, world["resident"]).has_role("promoter")
    assert [(e.action, e.via) for e in audit(app)] == [
        ("role.grant", "console"),
        ("role.revoke", "console"),
    ]
