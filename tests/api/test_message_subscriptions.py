"""POST/GET /me/message-subscriptions: quota per template, in the export, erased with
the account."""

from sqlalchemy import select

from miniapp_api.push.models import MessageSubscription
from miniapp_api.storage import db
from tests.helpers import assert_error

URL = "/api/v1/me/message-subscriptions"
WARNING, ARTICLE = "dev-template-warning", "dev-template-new_article"


def remaining(body: dict) -> dict:
    return {item["key"]: item["remaining"] for item in body["items"]}


def test_each_accept_adds_one_send(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert remaining(client.get(URL, headers=headers).get_json())["warning"] == 0
    for _ in range(2):
        response = client.post(
            URL, headers=headers, json={"results": {WARNING: "accept", ARTICLE: "reject"}}
        )
        assert response.status_code == 200, response.get_json()
    body = client.get(URL, headers=headers).get_json()
    assert remaining(body) == {
        "warning": 2,
        "new_article": 0,
        "application_decided": 0,
        "reward_ready": 0,
        "event_reminder": 0,
    }
    item = next(i for i in body["items"] if i["key"] == "warning")
    assert item == {"key": "warning", "template_id": WARNING, "remaining": 2, "long_term": False}


def test_a_ban_empties_the_quota(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    client.post(URL, headers=headers, json={"results": {WARNING: "accept"}})
    body = client.post(URL, headers=headers, json={"results": {WARNING: "ban"}}).get_json()
    assert remaining(body)["warning"] == 0


def test_unknown_template_ids_and_results_are_refused(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    response = client.post(
        URL, headers=headers, json={"results": {WARNING: "accept", "nope": "accept"}}
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert "nope" in str(body)
    assert db.session.scalars(select(MessageSubscription)).all() == []  # nothing recorded
    assert_error(
        client.post(URL, headers=headers, json={"results": {WARNING: "maybe"}}),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(client.post(URL, headers=headers, json={"results": {}}), 422, "VALIDATION_ERROR")
    assert client.get(URL).status_code == 401


def test_subscriptions_are_exported_and_erased(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    client.post(URL, headers=headers, json={"results": {WARNING: "accept"}})
    export = client.get("/api/v1/me/export", headers=headers).get_json()
    assert export["push"]["subscriptions"][0]["key"] == "warning"
    assert export["push"]["subscriptions"][0]["remaining"] == 1
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    assert db.session.scalars(select(MessageSubscription)).all() == []
