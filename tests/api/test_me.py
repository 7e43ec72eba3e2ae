"""GET/PATCH/DELETE /me and the data export."""

from sqlalchemy import select

from miniapp_api.categories.models import Category
from miniapp_api.storage import db
from miniapp_api.users.models import DELETED, User
from tests.helpers import assert_error


def add_category(slug: str = "maochong-gongjianfa") -> None:
    db.session.add(
        Category(
            slug=slug, name="冒充公检法", description="测试用描述" * 5, risk_groups=["elderly"]
        )
    )
    db.session.commit()


def test_me_returns_the_profile_fields_of_the_contract(client, make_user, auth_headers):
    """The profile has every field API.md names, and never the session key."""
    user = make_user(roles=["volunteer"])
    body = client.get("/api/v1/me", headers=auth_headers(user)).get_json()
    expected = {
        "id",
        "nickname",
        "avatar_url",
        "roles",
        "age_group",
        "occupation",
        "district",
        "subscribed_categories",
        "points_balance",
        "consent_at",
    }
    assert expected <= set(body)
    assert body["roles"] == ["resident", "volunteer"]


def test_patch_updates_own_fields(client, make_user, auth_headers):
    """Nickname, profile, subscriptions and consent can be set by the user."""
    add_category()
    user = make_user()
    response = client.patch(
        "/api/v1/me",
        headers=auth_headers(user),
        json={
            "nickname": "王阿姨",
            "age_group": "60_plus",
            "occupation": "retired",
            "district": "慈溪市",
            "subscribed_categories": ["maochong-gongjianfa", "maochong-gongjianfa"],
            "consent": True,
        },
    )
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["nickname"] == "王阿姨"
    assert body["age_group"] == "60_plus"
    assert body["subscribed_categories"] == ["maochong-gongjianfa"]
    assert body["consent_at"].endswith("+08:00")
    withdrawn = client.patch("/api/v1/me", headers=auth_headers(user), json={"consent": False})
    assert withdrawn.get_json()["consent_at"] is None


def test_roles_points_and_status_cannot_be_mass_assigned(client, make_user, auth_headers):
    """Fields outside the profile are refused by name and nothing changes."""
    user = make_user(nickname="原名")
    response = client.patch(
        "/api/v1/me",
        headers=auth_headers(user),
        json={
            "nickname": "新名",
            "roles": ["admin"],
            "points_balance": 99999,
            "status": "active",
            "id": 1,
        },
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["json"]) == {"roles", "points_balance", "status", "id"}
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.nickname == "原名"
    assert stored.points_balance == 0
    assert stored.roles == ["resident"]


def test_patch_validates_values(client, make_user, auth_headers):
    """Unknown enum values, overlong names, bad URLs and unknown categories are 422."""
    user = make_user()
    response = client.patch(
        "/api/v1/me",
        headers=auth_headers(user),
        json={
            "age_group": "ancient",
            "nickname": "长" * 40,
            "avatar_url": "javascript:alert(1)",
        },
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["json"]) == {"age_group", "nickname", "avatar_url"}
    response = client.patch(
        "/api/v1/me", headers=auth_headers(user), json={"subscribed_categories": ["no-such"]}
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert "subscribed_categories" in body["errors"]["json"]


def test_export_has_everything_but_the_session_key(client, make_user, auth_headers):
    """The export carries the account and roles; the WeChat session key stays inside."""
    user = make_user(roles=["promoter"], nickname="导出者")
    response = client.get("/api/v1/me/export", headers=auth_headers(user))
    body = response.get_json()
    assert response.status_code == 200
    assert body["account"]["openid"] == user.openid
    assert body["account"]["nickname"] == "导出者"
    assert [grant["role"] for grant in body["roles"]] == ["promoter"]
    assert user.wechat_session_key not in response.get_data(as_text=True)


def test_delete_erases_personal_data_and_ends_sessions(app, client):
    """DELETE /me anonymises the row, revokes every token, and frees the openid."""
    login = client.post("/api/v1/auth/wechat-login", json={"code": "carol"}).get_json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    client.patch("/api/v1/me", headers=headers, json={"nickname": "小卡", "district": "宁波"})
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    assert_error(client.get("/api/v1/me", headers=headers), 401, "UNAUTHORIZED")
    refresh = {"Authorization": f"Bearer {login['refresh_token']}"}
    assert_error(client.post("/api/v1/auth/refresh", headers=refresh), 401, "UNAUTHORIZED")
    with app.app_context():
        row = db.session.get(User, login["user"]["id"])
        assert row.status == DELETED
        assert row.openid.startswith("deleted:")
        assert (row.nickname, row.district, row.wechat_session_key) == (None, None, None)
        assert row.role_grants == []
    again = client.post("/api/v1/auth/wechat-login", json={"code": "carol"}).get_json()
    assert again["user"]["id"] != login["user"]["id"]
    assert again["user"]["nickname"] is None


def test_every_me_route_needs_a_token(client):
    """Without a token every /me route answers 401."""
    for method, path in [
        ("get", "/api/v1/me"),
        ("patch", "/api/v1/me"),
        ("delete", "/api/v1/me"),
        ("get", "/api/v1/me/export"),
    ]:
        assert_error(getattr(client, method)(path), 401, "UNAUTHORIZED")
    assert db_user_count_is_zero(client)


def db_user_count_is_zero(client) -> bool:
    with client.application.app_context():
        return db.session.scalars(select(User)).first() is None


def test_every_export_section_is_documented(app, client):
    """The document describes the export exactly: each registered section is a field."""
    from miniapp_api.users import personal_data
    from miniapp_api.users.schemas import ExportSchema

    with app.app_context():
        sections = {part.section for part in personal_data.parts()}
    assert sections >= {"points_ledger", "redemptions", "article_reads", "enrollment"}
    assert sections <= set(ExportSchema().fields)
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = spec["components"]["schemas"]["Export"]["properties"]
    assert sections <= set(documented)


def test_the_last_admin_cannot_delete_their_account(client, make_user, auth_headers):
    """Deleting the only admin would leave the programme without one."""
    admin = make_user(roles=["admin"])
    headers = auth_headers(admin)
    assert_error(client.delete("/api/v1/me", headers=headers), 409, "LAST_ADMIN")
    make_user(roles=["admin"])  # with a second admin, the first may leave
    assert client.delete("/api/v1/me", headers=headers).status_code == 204


def test_dev_login_and_create_admin_name_the_same_account(app, client):
    """`flask users create-admin demo` and dev-login as "demo" are one account."""
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "demo"])
    assert result.exit_code == 0, result.output
    body = client.post("/api/v1/auth/dev-login", json={"openid": "demo"}).get_json()
    assert "admin" in body["user"]["roles"]
