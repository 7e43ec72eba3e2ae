"""The served OpenAPI document and the offline Swagger UI."""

import re

from miniapp_api.config import ProductionConfig

UNDOCUMENTED_ENDPOINTS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def flask_path_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_is_documented(app, client):
    """Each API route and method of the app appears in /api/v1/openapi.json (the console's
    pages under /console are HTML, not part of the API)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        if rule.rule.startswith("/console"):
            continue
        path = flask_path_to_openapi(rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], (method, path)


def test_error_schema_documents_the_error_code(client):
    """The documented error schema has the stable `error` code of API.md."""
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["ApiError"]
    assert {"code", "status", "error", "message", "errors"} <= set(error["properties"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "401" in me["responses"]


def test_docs_page_uses_only_local_assets(client):
    """Swagger UI loads its scripts and styles from this server, not from a CDN."""
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/api/docs/static/"), asset
        with client.get(asset) as response:
            assert response.status_code == 200, asset
    assert "http://" not in html and "https://" not in html


def test_dev_login_is_absent_when_wechat_is_configured(app_factory):
    """With WeChat configured, dev-login is neither routed nor documented."""
    client = app_factory(WECHAT_APPID="wx123", WECHAT_SECRET="s" * 32).test_client()
    response = client.post("/api/v1/auth/dev-login", json={"openid": "x"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "NOT_FOUND"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/auth/dev-login" not in spec["paths"]


def test_dev_login_is_absent_in_production(migrated_database):
    """A production app has no dev-login route."""
    from miniapp_api import create_app

    config = ProductionConfig(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "k" * 40,
            "JWT_SECRET_KEY": "j" * 40,
            "WECHAT_APPID": "wx123",
            "WECHAT_SECRET": "s" * 32,
            "DATABASE_URL": migrated_database,
            "ALLOW_SQLITE_IN_PRODUCTION": "1",
        }
    )
    app = create_app(config)
    response = app.test_client().post("/api/v1/auth/dev-login", json={"openid": "x"})
    assert response.status_code == 404


def test_dev_login_grants_requested_roles(client):
    """In development, dev-login makes a user with the asked-for roles."""
    response = client.post(
        "/api/v1/auth/dev-login", json={"openid": "officer", "roles": ["admin", "promoter"]}
    )
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["user"]["roles"] == ["resident", "promoter", "admin"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["id"] == body["user"]["id"]


def test_a_drafts_null_published_at_is_documented(client):
    """Defect 15: a draft's `published_at` is null, but the document typed it a string."""
    spec = client.get("/api/v1/openapi.json").get_json()
    field = spec["components"]["schemas"]["AdminArticle"]["properties"]["published_at"]
    assert field.get("nullable") is True or "null" in field.get("type", []), field


def test_the_code_images_are_documented(client):
    """Defect 15: the PNG and SVG answers of the promoter's code were undocumented."""
    spec = client.get("/api/v1/openapi.json").get_json()
    content = spec["paths"]["/api/v1/promoter/qrcode"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "image/png", "image/svg+xml"}
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Code"}


def test_both_export_formats_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ok = spec["paths"]["/api/v1/admin/exports/{kind}.{fmt}"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert ok["description"].startswith("The file, streamed")
