"""Push end to end against the fake WeChat (jobs run immediately): a warning published for
one fraud type and zone reaches exactly its subscribers there, once each; targeted
broadcasts by officers; the triggers of decided applications and redemptions."""

from dataclasses import asdict

from sqlalchemy import select

from miniapp_api.push import sending
from miniapp_api.push.jobs import deliver
from miniapp_api.push.models import Broadcast, Delivery, MessageSubscription
from miniapp_api.push.subscriptions import record_results
from miniapp_api.storage import db
from miniapp_api.wechat import get_wechat_client
from tests.factories import ArticleFactory, CategoryFactory, UserFactory
from tests.helpers import assert_error, station_world

ADMIN = "/api/v1/admin"
WARNING_TEMPLATE = "dev-template-warning"


def warning(zone_id: int, slug: str = "push-warning") -> dict:
    return {
        "kind": "warning",
        "level": "high",
        "slug": slug,
        "title": "冒充客服退款电话增多",
        "summary": "近期冒充电商客服退款的诈骗增多，请提高警惕。",
        "body": "接到自称客服的退款电话，先挂断，再从购物 App 里联系官方客服核实。",
        "category": "push-type",
        "zone_ids": [zone_id],
        "published_at": "2026-11-20T09:00:00+08:00",
    }


def subscriber(zone_id, categories=("push-type",), sends=1, **kwargs):
    user = UserFactory(zone_id=zone_id, subscribed_categories=list(categories), **kwargs)
    for _ in range(sends):
        record_results(user, {WARNING_TEMPLATE: "accept"})
    return user


def quota(user) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(MessageSubscription.remaining).where(
            MessageSubscription.user_id == user.id, MessageSubscription.template_key == "warning"
        )
    )


def test_a_published_warning_reaches_its_subscribers_once(
    app_ctx, client, auth_headers, monkeypatch
):
    """Done when: 3 subscribers, a warning for one fraud type and zone, the jobs run: the
    right users messaged once each, quotas spent, a refused user marked, a crash between
    send and settle not sending twice, and the broadcast's status with the same counts."""
    people = station_world()
    CategoryFactory(slug="push-type", name="推送测试")
    fake = get_wechat_client().messages
    alice = subscriber(people.street.id, sends=2)
    refuser = subscriber(people.street.id)
    crashed = subscriber(people.street.id, openid="o-crashed")
    elsewhere = subscriber(people.other.id)
    other_type = subscriber(people.street.id, categories=("another-type",))
    subscriber(people.street.id, sends=0)  # subscribed to the type, but no quota
    fake.fail_with(refuser.openid, 43101)
    real_settle = sending._settle

    def settle_or_crash(message, answers, claim, broadcast_id):
        if crashed.id in answers:
            raise RuntimeError("the worker died between send and settle")
        return real_settle(message, answers, claim, broadcast_id)

    monkeypatch.setattr(sending, "_settle", settle_or_crash)
    monkeypatch.setitem(client.application.config, "PUSH_BATCH_SIZE", 1)
    response = client.post(
        f"{ADMIN}/alerts", json=warning(people.street.id), headers=auth_headers(people.officer)
    )
    assert response.status_code == 201, response.get_json()
    broadcast = db.session.scalars(select(Broadcast)).one()
    assert broadcast.filters == {"categories": ["push-type"], "zone_ids": [people.street.id]}
    # The crashed batch runs again (huey's retry): the pending row is never resent.
    monkeypatch.undo()
    message = sending.Message(broadcast.message_key, "warning", {"thing1": "重发"})
    deliver(asdict(message), [crashed.id], broadcast.id)

    assert sorted(m["touser"] for m in fake.sent) == sorted([alice.openid, crashed.openid])
    assert {m["template_id"] for m in fake.sent} == {WARNING_TEMPLATE}
    assert fake.sent[0]["data"]["thing1"] == "冒充客服退款电话增多"
    assert (quota(alice), quota(refuser), quota(crashed)) == (1, 0, 0)
    assert (quota(elsewhere), quota(other_type)) == (1, 1)
    rows = dict(db.session.execute(select(Delivery.user_id, Delivery.status)).all())
    assert rows == {alice.id: "sent", refuser.id: "refused", crashed.id: "pending"}
    status = client.get(
        f"{ADMIN}/broadcasts/{broadcast.id}", headers=auth_headers(people.officer)
    ).get_json()
    assert status["targeted"] == 3
    assert (status["sent"], status["failed"], status["no_quota"]) == (1, 0, 1)
    # Every batch ran (the crashed user's row stays pending: reported, never resent).
    assert status["status"] == "done"
    assert status["started_at"] is not None and status["finished_at"] is not None
    assert sending.stale_pending(0) == 1


def test_an_officer_targets_a_warning_and_follows_it(app_ctx, client, auth_headers):
    people = station_world()
    CategoryFactory(slug="push-type", name="推送测试")
    elderly = subscriber(people.street.id, age_group="60_plus")
    subscriber(people.street.id, age_group="18_29")
    subscriber(people.other.id, age_group="60_plus")
    admin = auth_headers(people.admin)
    alert = client.post(f"{ADMIN}/alerts", json={**warning(people.street.id), "category": None},
                        headers=admin).get_json()  # fmt: skip
    assert db.session.scalars(select(Broadcast)).all() == []  # no fraud type: no auto push
    officer = auth_headers(people.officer)
    body = {"alert_id": alert["id"], "age_groups": ["60_plus"]}
    response = client.post(f"{ADMIN}/broadcasts", json=body, headers=officer)
    queued = response.get_json()
    assert response.status_code == 202, queued
    assert queued["targeted"] == 1 and queued["status"] == "done"  # jobs ran at the commit
    status = client.get(f"{ADMIN}/broadcasts/{queued['id']}", headers=officer).get_json()
    assert (status["status"], status["sent"], status["no_quota"]) == ("done", 1, 0)
    assert status["finished_at"] is not None
    assert [m["touser"] for m in get_wechat_client().messages.sent] == [elderly.openid]
    again = client.post(f"{ADMIN}/broadcasts", json=body, headers=officer).get_json()
    assert again["targeted"] == 0 and again["status"] == "done"  # no quota left: nobody
    stranger = auth_headers(people.stranger)
    assert_error(client.get(f"{ADMIN}/broadcasts/{queued['id']}", headers=stranger), 404,
                 "NOT_FOUND")  # fmt: skip
    outside = {"alert_id": alert["id"], "zone_ids": [people.street.id]}
    assert_error(client.post(f"{ADMIN}/broadcasts", json=outside, headers=stranger), 404,
                 "NOT_FOUND")  # fmt: skip
    cancelled = client.post(f"{ADMIN}/broadcasts/{queued['id']}/cancel", headers=officer)
    assert cancelled.get_json()["status"] == "done"  # finished broadcasts stay done


def test_an_officer_without_zones_reaches_no_one(app_ctx, client, auth_headers):
    """A station admin holding no zone (a role granted without one) is refused, never
    widened to the whole city."""
    people = station_world()
    subscriber(people.street.id)
    citywide = {**warning(people.street.id), "category": None, "zone_ids": []}
    alert = client.post(f"{ADMIN}/alerts", json=citywide, headers=auth_headers(people.admin))
    alert = alert.get_json()
    zoneless = auth_headers(UserFactory(roles=["station_admin"]))
    refused = client.post(f"{ADMIN}/broadcasts", json={"alert_id": alert["id"]}, headers=zoneless)
    assert refused.status_code == 404, refused.get_json()
    assert db.session.scalars(select(Broadcast)).all() == []
    assert get_wechat_client().messages.sent == []


def test_broadcast_input_is_checked(app_ctx, client, auth_headers):
    people = station_world()
    admin = auth_headers(people.admin)
    for body in ({}, {"alert_id": 1, "article_id": 1}, {"alert_id": "x"},
                 {"article_id": 1, "age_groups": ["toddler"]}):  # fmt: skip
        assert_error(client.post(f"{ADMIN}/broadcasts", json=body, headers=admin), 422,
                     "VALIDATION_ERROR")  # fmt: skip
    assert_error(client.post(f"{ADMIN}/broadcasts", json={"alert_id": 999}, headers=admin), 404,
                 "NOT_FOUND")  # fmt: skip
    draft = ArticleFactory(status="draft", published_at=None)
    assert_error(client.post(f"{ADMIN}/broadcasts", json={"article_id": draft.id},
                             headers=admin), 404, "NOT_FOUND")  # fmt: skip
    resident = auth_headers(people.resident)
    assert_error(client.post(f"{ADMIN}/broadcasts", json={"alert_id": 1}, headers=resident), 403,
                 "FORBIDDEN")  # fmt: skip


def test_a_cancelled_broadcast_sends_no_more_batches(app_ctx, auth_headers, client):
    people = station_world()
    CategoryFactory(slug="push-type", name="推送测试")
    user = subscriber(people.street.id)
    message = sending.Message("test:77", "warning", {"thing1": "预警"})
    broadcast = Broadcast(message_key=message.key, template_key="warning", targeted=1, batches=1,
                          status="cancelled")  # fmt: skip
    db.session.add(broadcast)
    db.session.commit()
    deliver(asdict(message), [user.id], broadcast.id)
    assert get_wechat_client().messages.sent == []
