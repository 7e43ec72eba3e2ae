"""Points through HTTP: history, rules, check-in, admin adjustments, races."""

import pytest
from sqlalchemy import func, select

from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.helpers import assert_error, fire_at_once


def test_history_lists_rows_newest_first_with_totals(client, make_user, auth_headers):
    """GET /me/points: balance, earned_total (spending excluded) and paginated rows."""
    user = make_user()
    points.award(user, "enrolled", "once")
    points.award(user, "article_read", "article:1")
    points.spend(user.id, 5, "redemption:1")
    db.session.commit()
    body = client.get("/api/v1/me/points?per_page=2", headers=auth_headers(user)).get_json()
    assert (body["balance"], body["earned_total"], body["total"]) == (7, 12, 3)
    assert [item["reason"] for item in body["items"]] == ["redeem", "article_read"]
    assert body["items"][0]["delta"] == -5
    assert body["items"][0]["created_at"].endswith("+08:00")
    page2 = client.get("/api/v1/me/points?page=2&per_page=2", headers=auth_headers(user))
    assert [item["reason"] for item in page2.get_json()["items"]] == ["enrolled"]


@pytest.mark.parametrize("query", ["per_page=101", "page=0", "page=abc"])
def test_bad_pagination_is_a_validation_error(client, make_user, auth_headers, query):
    """per_page above 100 or a bad page number is a 422 naming the parameter."""
    user = make_user()
    response = client.get(f"/api/v1/me/points?{query}", headers=auth_headers(user))
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["query"]) <= {"page", "per_page"}


def test_rules_are_public(client):
    """Anyone can read the rules; each activity has points and a cap."""
    body = client.get("/api/v1/points/rules").get_json()
    reasons = {rule["reason"]: rule for rule in body["rules"]}
    assert reasons["daily_checkin"]["points"] == 1
    assert reasons["article_read"]["daily_cap"] == 10
    assert reasons["enrolled"]["daily_cap"] is None


def test_checkin_once_a_day(client, make_user, auth_headers):
    """The first check-in pays 1; the second the same day is ALREADY_CHECKED_IN."""
    user = make_user()
    first = client.post("/api/v1/me/checkin", headers=auth_headers(user))
    assert first.status_code == 200
    assert (first.get_json()["points_awarded"], first.get_json()["balance"]) == (1, 1)
    second = client.post("/api/v1/me/checkin", headers=auth_headers(user))
    assert_error(second, 409, "ALREADY_CHECKED_IN")


def test_parallel_checkins_pay_once(app, live_server, make_user, auth_headers):
    """Fifteen check-ins at the same moment: one 200, fourteen 409, one ledger row."""
    import httpx

    user = make_user()
    user_id = user.id
    headers = auth_headers(user)

    def send():
        with httpx.Client(base_url=live_server, timeout=30) as http:
            return http.post("/api/v1/me/checkin", headers=headers)

    responses = fire_at_once(15, send)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 14, [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"ALREADY_CHECKED_IN"}
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.user_id == user_id)
        )
    assert rows == 1


def test_admin_adjusts_with_a_reason(client, make_user, auth_headers):
    """An admin adds and removes points with a reason; earned_total is untouched."""
    admin = make_user(roles=["admin"])
    resident = make_user()
    url = f"/api/v1/admin/users/{resident.id}/points"
    added = client.post(
        url, headers=auth_headers(admin), json={"delta": 30, "reason": "线下活动补录"}
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["balance"] == 30
    removed = client.post(url, headers=auth_headers(admin), json={"delta": -40, "reason": "误发"})
    assert_error(removed, 409, "INSUFFICIENT_POINTS")
    history = client.get("/api/v1/me/points", headers=auth_headers(resident)).get_json()
    assert (history["balance"], history["earned_total"]) == (30, 0)
    assert history["items"][0]["note"] == "线下活动补录"


def test_adjustment_needs_admin_reason_and_nonzero_delta(client, make_user, auth_headers):
    """Non-admins get 403; a missing reason or a zero delta is 422."""
    resident = make_user()
    url = f"/api/v1/admin/users/{resident.id}/points"
    body = {"delta": 5, "reason": "测试原因"}
    assert_error(client.post(url, headers=auth_headers(resident), json=body), 403, "FORBIDDEN")
    admin = make_user(roles=["admin"])
    bad = client.post(url, headers=auth_headers(admin), json={"delta": 0})
    errors = assert_error(bad, 422, "VALIDATION_ERROR")["errors"]["json"]
    assert set(errors) == {"delta", "reason"}
    missing = client.post(
        "/api/v1/admin/users/999999/points", headers=auth_headers(admin), json=body
    )
    assert_error(missing, 404, "NOT_FOUND")


def test_same_idempotency_key_in_parallel_adjusts_once(app, live_server, make_user, auth_headers):
    """Ten adjustments with one Idempotency-Key at once: one row, identical replies."""
    import httpx

    admin = make_user(roles=["admin"])
    resident_id = make_user().id
    headers = {**auth_headers(admin), "Idempotency-Key": "adj-2026-11-21-001"}

    def send():
        with httpx.Client(base_url=live_server, timeout=30) as http:
            return http.post(
                f"/api/v1/admin/users/{resident_id}/points",
                headers=headers,
                json={"delta": 25, "reason": "活动奖励"},
            )

    responses = fire_at_once(10, send)
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    with app.app_context():
        assert points.verify_balances() == []
        rows = db.session.scalars(
            select(PointsEntry.delta).where(PointsEntry.user_id == resident_id)
        ).all()
    assert rows == [25]


def test_an_idempotency_key_reused_with_another_delta_is_refused(client, make_user, auth_headers):
    """Defect 14: the same key with another `delta` returned the first adjustment."""
    resident = make_user()
    admin_headers = {**auth_headers(make_user(roles=["admin"])), "Idempotency-Key": "adj-1"}
    url = f"/api/v1/admin/users/{resident.id}/points"
    first = client.post(url, headers=admin_headers, json={"delta": 5, "reason": "活动补录"})
    assert first.status_code == 201
    again = client.post(url, headers=admin_headers, json={"delta": 5, "reason": "活动补录"})
    assert again.get_json() == first.get_json()
    other = client.post(url, headers=admin_headers, json={"delta": 50, "reason": "活动补录"})
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
    db.session.expire_all()
    assert db.session.get(User, resident.id).points_balance == 5
