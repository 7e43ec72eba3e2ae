"""In-process API fuzzing: schemathesis generates requests from the served OpenAPI document.

Every documented operation gets a bounded, reproducible batch of generated requests (valid
and invalid input alike, plus schemathesis' coverage cases: boundaries, missing fields,
undocumented methods, requests without the token) sent through the WSGI app with a real
admin access token, and each response must keep API.md's promises:

- bad input never gives a 5xx (`not_a_server_error`);
- every non-2xx response is JSON with the error shape `{code, status, error, message}`,
  `code` equal to the HTTP status and `error` an upper-case machine code;
- responses match the schema, status, media type and headers the OpenAPI document gives;
- an undocumented method gets 405 with `Allow`; a protected operation refuses a request
  without a valid token.

Each operation runs against a fresh database holding a small seeded world (a zone, a
pending and an approved promoter application, an event, a published article, an alert, a
reward with a redemption, questions), and about half of the cases point their path
parameters at those rows, so that handlers get past "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks as schemathesis_checks
from schemathesis.config import SchemathesisConfig

from miniapp_api import config as app_config
from miniapp_api import create_app
from miniapp_api.auth.tokens import issue_token_pair
from miniapp_api.categories.models import Category
from miniapp_api.storage import db
from tests.factories import UserFactory

OPENAPI_PATH = "/api/v1/openapi.json"

# Generated cases per operation in the fuzzing phase; the examples and coverage phases add
# their own deterministic cases. The seed and `deterministic` (Hypothesis' derandomize) make
# every run send the same requests, so a failure reproduces; `database = "none"` keeps
# Hypothesis from writing an example database. schemathesis sets `deadline=None` itself.
MAX_EXAMPLES = 15
SEED = 20261121

FUZZ_CONFIG = {
    "seed": SEED,
    "generation": {
        "mode": "all",  # valid and invalid input
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": True},
        # Undocumented methods must get 405 with `Allow` (`unsupported_method`); OPTIONS,
        # TRACE and QUERY are left out to save time.
        "coverage": {
            "enabled": True,
            "unexpected-methods": ["get", "put", "post", "delete", "patch"],
        },
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
}

# Operations left out, and why.
EXCLUDED_OPERATIONS = {
    # A multipart/form-data upload of a CSV or XLSX question bank: generated form parts are
    # never a spreadsheet, so they only exercise the "unreadable file" branch, which
    # tests/api/test_quizzes_admin.py covers along with real files.
    ("POST", "/api/v1/admin/questions/import"),
}

# TEMPORARY, and empty while nothing is known to fail: operations with open fuzz failures,
# each to be removed once the application is fixed. They are marked xfail: strict for the
# plain test below, but not for the schemathesis items, whose pytest plugin (4.32.5) crashes
# the whole session (INTERNALERROR in _get_pytest_report_outcome) on a strict XPASS; a fixed
# operation shows as XPASS in the summary instead. KNOWN_FAILURES apply to every database,
# KNOWN_FAILURES_POSTGRES only to the PostgreSQL pass.
# Keys: "METHOD /path" for the fuzz items, the test name otherwise; values: the reason.
KNOWN_FAILURES: dict[str, str] = {}
KNOWN_FAILURES_POSTGRES: dict[str, str] = {}

ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _spec_app() -> Flask:
    """An app that only serves the OpenAPI document at collection time (no database use)."""
    config = app_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    return create_app(config)


# The document is read at import time so that pytest collects one test per operation; each
# test then sends its requests to the `app` fixture (a migrated database, emptied after).
_SPEC_APP = _spec_app()
SPEC = _SPEC_APP.test_client().get(OPENAPI_PATH).get_json()
schema = schemathesis.openapi.from_wsgi(
    OPENAPI_PATH, _SPEC_APP, config=SchemathesisConfig.from_dict(FUZZ_CONFIG)
).exclude(
    func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in EXCLUDED_OPERATIONS
)


@schemathesis.check
def error_has_api_shape(ctx, response, case) -> None:
    """Every non-2xx response has API.md's error shape."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.status_code} is not JSON: {response.text[:300]!r}"
        ) from None
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    missing = {"code", "status", "error", "message"} - body.keys()
    assert not missing, f"error body lacks {sorted(missing)}: {body}"
    assert body["code"] == response.status_code, f"code {body['code']} is not the status: {body}"
    assert isinstance(body["error"], str) and ERROR_CODE.match(body["error"]), body
    assert isinstance(body["message"], str) and body["message"], body


CHECKS = [
    schemathesis_checks.not_a_server_error,
    error_has_api_shape,
    schemathesis_checks.response_schema_conformance,
    schemathesis_checks.status_code_conformance,
    schemathesis_checks.content_type_conformance,
    schemathesis_checks.response_headers_conformance,
    schemathesis_checks.unsupported_method,
    schemathesis_checks.ignored_auth,
    # Not `positive_data_acceptance`: the document cannot state every business rule (an
    # unknown category slug, a URL field: apispec writes marshmallow's Url as format "url",
    # which JSON Schema does not know), so schema-valid input is rightly refused with 422.
    # Not `negative_data_rejection`: the test replaces the generated Authorization header
    # and, in half the cases, path ids, which turns some of schemathesis' invalid cases into
    # valid ones (false "invalid data accepted"); unknown query parameters are ignored by
    # design (webargs' EXCLUDE). Invalid input is still checked: never a 5xx, always the
    # error shape.
]


# ---- the seeded world --------------------------------------------------------------------------

# A square fence near Cixi in GCJ-02 (as in test_zones.py) and a point inside it.
WEST, EAST, SOUTH, NORTH = 121.25, 121.26, 30.17, 30.18
CENTRE = (121.255, 30.175)
CATEGORY = "fuzz-cat"


@dataclass
class World:
    app: Flask
    path_values: dict[str, object] = field(default_factory=dict)
    seeded: bool = False
    reader: dict[str, str] | None = None

    def user_headers(self, roles: list[str]) -> tuple[int, dict[str, str]]:
        """A new user with `roles` and a header with its access token.

        Made in its own short app context, so that requests run in theirs as in production
        (the `make_user` fixture keeps one context open for the whole test).
        """
        with self.app.app_context():
            user = UserFactory(roles=roles)
            tokens = issue_token_pair(user)
            user_id = user.id
            db.session.remove()
        return user_id, {"Authorization": f"Bearer {tokens['access_token']}"}

    def caller_headers(self, *, fresh: bool) -> dict[str, str]:
        """The token of a case's caller, who holds every role but station_admin.

        A write gets a new user: it may log its token out, delete its account, lose a role
        or use up a once-a-day or per-user allowance, and that must not turn the next cases
        into 401s or 409s. Reads share one user (fewer inserts: a faster run).
        """
        if fresh or self.reader is None:
            headers = self.user_headers(["admin", "promoter", "volunteer"])[1]
            if not fresh:
                self.reader = headers
            return headers
        return self.reader

    def send(self, method: str, path: str, headers: dict[str, str], **kwargs) -> dict:
        response = self.app.test_client().open(
            f"/api/v1{path}", method=method, headers=headers, **kwargs
        )
        assert response.status_code < 300, (method, path, response.get_json())
        return response.get_json()


def seed_world(world: World) -> None:
    """A few rows of each kind, made through the API as the front ends would make them."""
    with world.app.app_context():
        db.session.add(
            Category(
                slug=CATEGORY, name="测试类型", description="用于接口模糊测试的类型", sort_order=0
            )
        )
        db.session.commit()
        db.session.remove()
    _, admin = world.user_headers(["admin"])
    now = datetime.now(UTC)

    zone = world.send(
        "POST",
        "/admin/zones",
        admin,
        json={
            "name": "测试街道",
            "district": "慈溪市",
            "kind": "street",
            "coord_type": "gcj02",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
                ],
            },
        },
    )
    application = {
        "zone_id": zone["id"],
        "real_name": "王芳",
        "phone": "13800138000",
        "organisation": "宗汉街道社区",
    }
    _, promoter = world.user_headers([])
    approved = world.send("POST", "/promoter-applications", promoter, json=application)
    world.send("POST", f"/admin/promoter-applications/{approved['id']}/approve", admin)
    event = world.send(
        "POST",
        "/events",
        promoter,
        json={
            "title": "反诈宣传进社区",
            "latitude": CENTRE[1],
            "longitude": CENTRE[0],
            "coord_type": "gcj02",
            "radius_m": 200,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
        },
    )
    resident_id, resident = world.user_headers(["volunteer"])
    pending = world.send("POST", "/promoter-applications", resident, json=application)

    article = world.send(
        "POST",
        "/admin/articles",
        admin,
        json={
            "slug": "fuzz-article",
            "title": "民警提醒：谨防退税诈骗",
            "category": CATEGORY,
            "summary": "年底各类“退税”短信增多，请提高警惕。",
            "body_markdown": "这是一篇用于测试的反诈文章正文。" * 5,
            "tags": ["退税"],
        },
    )
    world.send("POST", f"/admin/articles/{article['id']}/publish", admin, json={})
    alert = world.send(
        "POST",
        "/admin/alerts",
        admin,
        json={
            "slug": "fuzz-warning",
            "kind": "warning",
            "level": "high",
            "title": "警惕冒充客服退款",
            "summary": "近期冒充电商客服以退款为名的诈骗高发。",
            "body": "接到自称客服的退款电话，请通过官方渠道核实。",
            "published_at": now.isoformat(),
        },
    )
    reward = world.send(
        "POST",
        "/admin/rewards",
        admin,
        json={"name": "防诈骗手提袋", "points_cost": 10, "stock": 50, "per_user_limit": 10},
    )
    world.send(
        "POST", f"/admin/users/{resident_id}/points", admin, json={"delta": 100, "reason": "测试"}
    )
    redemption = world.send("POST", f"/rewards/{reward['id']}/redeem", resident)
    question = None
    for number in range(5):
        question = world.send(
            "POST",
            "/admin/questions",
            admin,
            json={
                "key": f"fuzz-q-{number}",
                "category": CATEGORY,
                "type": "single",
                "stem": f"第{number}题：有人打电话说你的快递丢了要理赔，让你开通“备用金”，怎么办？",
                "options": [
                    {"key": "a", "text": "按对方说的操作"},
                    {"key": "b", "text": "挂断电话，通过购物平台官方客服核实"},
                ],
                "answer": ["b"],
                "explanation": "正规理赔不需要开通借贷功能。",
            },
        )
    world.path_values = {
        "zone_id": zone["id"],
        "event_id": event["id"],
        "application_id": pending["id"],
        "user_id": resident_id,
        "role": "volunteer",
        "article_id": article["id"],
        "id_or_slug": article["slug"],
        "alert_id": alert["id"],
        "reward_id": reward["id"],
        "redemption_id": redemption["id"],
        "question_id": question["id"],
    }


# Operations whose cases can use the seeded rows: path ids, lists (their items are checked
# against the document only when there are some) and quiz sessions (drawn from the bank).
def _uses_seeded_rows(operation) -> bool:
    return (
        "{" in operation.path
        or operation.method.upper() == "GET"
        or operation.path == "/api/v1/quiz-sessions"
    )


@pytest.fixture
def world(app: Flask) -> World:
    return World(app)


@pytest.fixture(autouse=True)
def _known_failures(request, is_postgres):
    # "test_fuzz_api[GET /api/v1/me]" is listed as "GET /api/v1/me", other tests by name.
    name = request.node.name
    label = name.partition("[")[2].removesuffix("]") or name
    reason = KNOWN_FAILURES.get(label) or (is_postgres and KNOWN_FAILURES_POSTGRES.get(label))
    if reason:
        strict = label == name  # not a schemathesis item (see above)
        request.node.add_marker(
            pytest.mark.xfail(reason=f"TEMPORARY, {label}: {reason}", strict=strict)
        )


def _points_at_seeded_rows(case) -> bool:
    """Whether this case's path ids are replaced by seeded ones: for about half the cases
    whose first path value is well-formed (replacing a malformed one would turn an invalid
    case into a valid one). Decided by the generated value itself, so it is reproducible."""
    value = next(iter(case.path_parameters.values()))
    if isinstance(value, int) and not isinstance(value, bool):
        return value >= 0 and value % 2 == 0
    return isinstance(value, str) and value != "" and len(value) % 2 == 0


@schema.parametrize()
# One app and database per operation, shared by that operation's cases: what they create
# stays, and each write case gets a user of its own (World.caller_headers).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_api(case, world):
    """One operation's generated cases, sent with an admin's token."""
    if not world.seeded and _uses_seeded_rows(case.operation):
        seed_world(world)
        world.seeded = True
    # Quiz sessions are the caller's own and a user may hold only a few open ones at a time.
    fresh = case.method.upper() != "GET" or "session_id" in (case.path_parameters or {})
    headers = world.caller_headers(fresh=fresh)
    if case.path_parameters and _points_at_seeded_rows(case):
        for name in case.path_parameters:
            if name == "session_id":  # sessions are the caller's own
                started = world.send("POST", "/quiz-sessions", headers, json={"mode": "daily"})
                case.path_parameters[name] = started["id"]
            elif name in world.path_values:
                case.path_parameters[name] = world.path_values[name]
    case.call_and_validate(app=world.app, headers=headers, checks=CHECKS)


# ---- awkward path values ----------------------------------------------------------------------

# Fuzzing finds these only by chance, so every operation with a path parameter is also sent
# fixed values, one parameter kind at a time (the others get ordinary values): integer ids
# past PostgreSQL's `integer` (2**31) and past `bigint` and SQLite's INTEGER (2**63), and
# strings that look like digits to `str.isdigit` but not to `int` ("²"), or hold a NUL byte,
# which PostgreSQL's text type refuses. Each must be answered with a 4xx in the error shape,
# never a 500. The bodies are valid, so that the request gets as far as the lookup.
AWKWARD_VALUES = {"integer": (2**31, 2**63), "string": ("²", "1²", "%00")}
ORDINARY_VALUES = {"integer": 1, "string": "volunteer"}  # "volunteer": a valid {role}
PROBE_BODIES = {
    ("POST", "/api/v1/admin/users/{user_id}/points"): {"delta": 1, "reason": "测试"},
    ("POST", "/api/v1/admin/users/{user_id}/roles"): {"role": "volunteer"},
    ("POST", "/api/v1/events/{event_id}/checkins"): {
        "latitude": CENTRE[1],
        "longitude": CENTRE[0],
        "coord_type": "gcj02",
        "accuracy": 10,
    },
    ("PUT", "/api/v1/admin/alerts/{alert_id}"): {
        "slug": "probe-warning",
        "kind": "warning",
        "level": "high",
        "title": "警惕冒充客服退款",
        "summary": "近期冒充电商客服以退款为名的诈骗高发。",
        "body": "接到自称客服的退款电话，请通过官方渠道核实。",
        "published_at": "2026-11-21T09:30:00+08:00",
    },
    ("POST", "/api/v1/quiz-sessions/{session_id}/answer"): {"question_id": 1, "option_ids": ["a"]},
    ("POST", "/api/v1/quiz-sessions/{session_id}/submit"): {"answers": []},
}


def _awkward_requests():
    """(method, url, body) for each operation with path parameters and each awkward value."""
    for path, item in SPEC["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters" or (method.upper(), path) in EXCLUDED_OPERATIONS:
                continue
            params = {
                p["name"]: p["schema"]["type"]
                for p in shared + operation.get("parameters", [])
                if p["in"] == "path"
            }
            body = PROBE_BODIES.get((method.upper(), path), {})
            for kind, values in AWKWARD_VALUES.items():
                if kind not in params.values():
                    continue
                for value in values:
                    url = path
                    for name, type_ in params.items():
                        filler = value if type_ == kind else ORDINARY_VALUES[type_]
                        url = url.replace(f"{{{name}}}", str(filler))
                    yield method.upper(), url, body if "requestBody" in operation else None


def test_awkward_path_values_get_a_4xx(app):
    """Out-of-range ids and odd strings in the path are refused, never a 500."""
    requests = list(_awkward_requests())
    assert len(requests) > 50, "few operations with path parameters: has the document changed?"
    _, headers = World(app).user_headers(["admin", "promoter", "volunteer"])
    client = app.test_client()
    failures = []
    for method, url, body in requests:
        response = client.open(url, method=method, headers=headers, json=body)
        error = response.get_json(silent=True)
        if not isinstance(error, dict):
            error = {}
        shaped = error.get("code") == response.status_code and error.get("message")
        if not 400 <= response.status_code < 500 or not shaped:
            failures.append(f"{method} {url} -> {response.status_code} {error.get('error')}")
    assert not failures, f"{len(failures)} of {len(requests)} requests:\n" + "\n".join(failures)
