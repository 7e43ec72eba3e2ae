"""Every non-2xx response has the one error shape of API.md."""

import io
import logging
import re

import pytest

from tests.helpers import assert_error


def test_unknown_route_is_not_found(client):
    """An unknown path gets NOT_FOUND in the error shape, not an HTML page."""
    body = assert_error(client.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")
    assert body["status"] == "Not Found"


def test_wrong_method_keeps_allow_header(client):
    """405 names the allowed methods in `Allow`, as HTTP requires."""
    response = client.put("/api/v1/auth/refresh")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["Allow"]


def test_body_over_limit_is_payload_too_large(app_factory):
    """A body over MAX_CONTENT_LENGTH is refused before it is parsed."""
    client = app_factory(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/api/v1/auth/wechat-login", json={"code": "x" * 4096})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_a_chunked_body_over_the_limit_is_413_not_400(app_factory):
    """Defect 15: a chunked body (no Content-Length) over the limit was cut at the limit
    and then refused as broken JSON (400)."""
    client = app_factory(MAX_CONTENT_LENGTH=1024).test_client()

    def chunked(body: bytes):
        return client.post(
            "/api/v1/auth/wechat-login",
            input_stream=io.BytesIO(body),
            headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    assert_error(chunked(b'{"code": "' + b"x" * 4096 + b'"}'), 413, "PAYLOAD_TOO_LARGE")
    assert chunked(b'{"code": "small"}').status_code == 200


def test_validation_error_names_each_bad_field(client):
    """422 lists every bad field, under the location it came from."""
    response = client.post("/api/v1/auth/dev-login", json={"roles": ["king"], "extra": 1})
    body = assert_error(response, 422, "VALIDATION_ERROR")
    fields = body["errors"]["json"]
    assert set(fields) == {"openid", "roles", "extra"}


def test_malformed_json_is_a_bad_request(client):
    """A body that is not JSON gets 400 in the error shape, never a 500."""
    response = client.post(
        "/api/v1/auth/wechat-login", data="{not json", content_type="application/json"
    )
    assert assert_error(response, 400, "BAD_REQUEST")["message"] == "提交的内容不是有效的 JSON"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 40 + "]" * 40,  # deeper than 32 levels
        "[" * 100_000 + "]" * 100_000,  # past Python's recursion limit
        '{"code": ' + "7" * 5000 + "}",  # past Python's integer-string limit (a ValueError)
        '{"code": "\\ud800"}',  # a lone surrogate, which UTF-8 cannot encode
    ],
)
def test_hostile_json_is_a_bad_request(client, body):
    """Defect 3 of the attack report: deep JSON, a 5,000-digit integer and a lone
    surrogate were 500s; a view's arguments are parsed by the bounded decoder."""
    response = client.post("/api/v1/auth/wechat-login", data=body, content_type="application/json")
    assert_error(response, 400, "BAD_REQUEST")


def test_a_lone_surrogate_never_reaches_the_database(client, make_user, auth_headers):
    response = client.patch(
        "/api/v1/me",
        data='{"nickname": "\\ud800"}',
        content_type="application/json",
        headers=auth_headers(make_user()),
    )
    assert_error(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"code": "dora"}', "text/plain"),
        ("code=dora", "application/x-www-form-urlencoded"),
        ('{"code": "dora"}', None),
    ],
)
def test_a_body_that_is_not_json_is_unsupported(client, data, content_type):
    """Defect 15: text, form and untyped bodies were read as an empty object (200)."""
    response = client.post("/api/v1/auth/wechat-login", data=data, content_type=content_type)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_required_body_must_be_there(client, make_user, auth_headers):
    """No body where one is required is 400 (not an empty object: PATCH /me with nothing
    was a 200); where the body is optional (cancelling an event), none is fine."""
    headers = auth_headers(make_user())
    assert_error(client.patch("/api/v1/me", headers=headers), 400, "BAD_REQUEST")
    assert client.patch("/api/v1/me", json={}, headers=headers).status_code == 200
    assert_error(client.post("/api/v1/auth/wechat-login"), 400, "BAD_REQUEST")


def test_authentication_answers_before_the_input_is_judged(client):
    """Defect 15: the NUL guard answered 422 before authentication answered 401."""
    response = client.patch("/api/v1/me", json={"nickname": "小\u0000李"})
    assert_error(response, 401, "UNAUTHORIZED")
    assert_error(client.get("/api/v1/feed?page=%00"), 401, "UNAUTHORIZED")
    assert_error(
        client.patch("/api/v1/me", data="{bad", content_type="application/json"),
        401,
        "UNAUTHORIZED",
    )


def test_unexpected_exception_is_logged_with_request_id_and_hidden(app, client, caplog):
    """A crash answers INTERNAL_ERROR without a trace; the log has the trace and the id."""

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="miniapp_api"):
        logging.getLogger("miniapp_api").propagate = True
        try:
            response = client.get("/boom", headers={"X-Request-ID": "req-12345678"})
        finally:
            logging.getLogger("miniapp_api").propagate = False
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["request_id"] == "req-12345678"
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
    record = next(r for r in caplog.records if r.exc_info)
    assert "req-12345678" in record.getMessage()
    assert "secret internals" in str(record.exc_info[1])


def test_unsafe_request_id_is_replaced(client):
    """A client-supplied request id that is not a plain token is not echoed back."""
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("limit", ["2 per minute"])
def test_rate_limit_answers_429_with_retry_after(app_factory, limit):
    """Past the login limit: RATE_LIMITED with a Retry-After in seconds."""
    client = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT=limit).test_client()
    for _ in range(2):
        assert client.post("/api/v1/auth/wechat-login", json={"code": "alice"}).status_code == 200
    response = client.post("/api/v1/auth/wechat-login", json={"code": "alice"})
    assert_error(response, 429, "RATE_LIMITED")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    ok = client.get("/healthz")
    assert "Retry-After" not in ok.headers


def test_nul_characters_are_refused_before_the_database(client, make_user, auth_headers):
    """PostgreSQL cannot store U+0000: it is a 422 naming the field, never a 500."""
    headers = auth_headers(make_user())
    response = client.patch("/api/v1/me", json={"nickname": "小\u0000李"}, headers=headers)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["errors"] == {"json": {"nickname": ["不能包含空字符"]}}
    nested = client.post(
        "/api/v1/promoter-applications",
        json={"zone_id": 1, "real_name": "x", "phone": "1", "organisation": ["a", "b\u0000"]},
        headers=headers,
    )
    assert assert_error(nested, 422, "VALIDATION_ERROR")["errors"]["json"] == {
        "organisation.1": ["不能包含空字符"]
    }
    query = client.get("/api/v1/articles?q=%00", headers=headers)
    assert assert_error(query, 422, "VALIDATION_ERROR")["errors"] == {
        "query": {"q": ["不能包含空字符"]}
    }
    assert_error(client.get("/api/v1/articles/a%00b"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/99999999999999999999",  # past any integer column: a slug, unknown
        "/api/v1/articles/²",  # a digit to str.isdigit, not to int()
        "/api/v1/admin/rewards/2147483648",  # one past PostgreSQL's integer
    ],
)
def test_out_of_range_ids_are_not_found(client, make_user, auth_headers, path):
    headers = auth_headers(make_user(roles=["admin"]))
    method = client.delete if "rewards" in path else client.get
    assert_error(method(path, headers=headers), 404, "NOT_FOUND")


def test_times_outside_2000_to_2100_are_refused(client, make_user, auth_headers):
    headers = auth_headers(make_user(roles=["admin"]))
    response = client.post(
        "/api/v1/admin/rewards",
        json={"name": "手提袋", "points_cost": 10, "stock": 1, "starts_at": "1900-01-01T00:00:00Z"},
        headers=headers,
    )
    assert "starts_at" in assert_error(response, 422, "VALIDATION_ERROR")["errors"]["json"]


def test_a_body_sent_where_none_is_read_is_ignored(client):
    """Defect 3: `[`×1000 to /healthz was a RecursionError (500) in a guard that parsed
    every body; a body is parsed only by a view that reads one."""
    response = client.get("/healthz", data="[" * 1000 + "]" * 1000, content_type="application/json")
    assert response.status_code == 200


CJK = re.compile(r"[\u4e00-\u9fff]")


def _messages(errors) -> list[str]:
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value)]
    return []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v1/me", {"nickname": "", "age_group": "old", "roles": ["admin"]}),
        ("patch", "/api/v1/me", {"nickname": 5, "consent": "maybe", "avatar_url": "ftp://x"}),
        ("patch", "/api/v1/me", {"nickname": "名" * 40, "subscribed_categories": "x"}),
        ("post", "/api/v1/enrollments", {"latitude": "north", "accuracy": -1}),
        ("post", "/api/v1/enrollments", {"scene": None, "latitude": 200, "coord_type": "bd09"}),
        ("post", "/api/v1/quiz-sessions", {"mode": "exam"}),
        ("post", "/api/v1/events", {"starts_at": "tomorrow", "radius_m": 1.5}),
    ],
)
def test_every_field_level_message_is_chinese(client, make_user, auth_headers, method, path, body):
    """The issue's last operational point: marshmallow's English messages
    ("Missing data for required field.", "Not a valid string.") reach no one."""
    headers = auth_headers(make_user(roles=["promoter"]))
    response = getattr(client, method)(path, json=body, headers=headers)
    errors = assert_error(response, 422, "VALIDATION_ERROR")["errors"]
    messages = _messages(errors)
    assert messages, errors
    assert all(CJK.search(message) for message in messages), messages
