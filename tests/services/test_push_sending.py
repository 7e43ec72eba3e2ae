"""Sending at most once: the delivery row is committed before WeChat is called, the quota
spent by one conditional UPDATE, and WeChat's answers mapped (refused, permanent, retry)."""

import logging
from dataclasses import asdict

import pytest
from sqlalchemy import select

from miniapp_api.push import sending
from miniapp_api.push.jobs import deliver
from miniapp_api.push.models import Delivery, MessageSubscription
from miniapp_api.push.sending import Message, RetryLater, send_batch, stale_pending
from miniapp_api.push.subscriptions import record_results
from miniapp_api.storage import db
from miniapp_api.wechat import get_wechat_client
from tests.helpers import fire_at_once

WARNING = "dev-template-warning"
MESSAGE = Message("alert:1", "warning", {"thing1": "冒充客服退款", "thing2": "请提高警惕"}, "id=1")


def subscribed(make_user, sends: int = 1):
    user = make_user()
    for _ in range(sends):
        record_results(user, {WARNING: "accept"})
    return user


def quota(user_id: int) -> int:
    return db.session.scalar(
        select(MessageSubscription.remaining).where(MessageSubscription.user_id == user_id)
    )


def statuses() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Delivery.user_id, Delivery.status)).all())


def test_one_message_per_user_and_one_send_of_quota(app_ctx, make_user):
    fake = get_wechat_client().messages
    alice, bob = subscribed(make_user, 2), make_user()
    counts = send_batch(MESSAGE, [alice.id, bob.id, alice.id])
    assert (counts["sent"], counts["no_quota"]) == (1, 1)
    assert [m["touser"] for m in fake.sent] == [alice.openid]
    assert fake.sent[0]["page"] == "pages/alerts/detail?id=1"
    assert fake.sent[0]["data"]["thing1"] == "冒充客服退款"
    assert quota(alice.id) == 1
    assert statuses() == {alice.id: "sent", bob.id: "no_quota"}
    send_batch(MESSAGE, [alice.id, bob.id])  # a rerun sends nothing more
    assert len(fake.sent) == 1 and quota(alice.id) == 1


def test_wechat_answers_are_recorded(app_ctx, make_user):
    fake = get_wechat_client().messages
    refused, broken, sent = (subscribed(make_user, 3) for _ in range(3))
    fake.fail_with(refused.openid, 43101)
    fake.fail_with(broken.openid, 47003)
    send_batch(MESSAGE, [refused.id, broken.id, sent.id])
    assert statuses() == {refused.id: "refused", broken.id: "failed", sent.id: "sent"}
    assert (quota(refused.id), quota(broken.id), quota(sent.id)) == (0, 2, 2)
    errcode = db.session.scalar(select(Delivery.errcode).where(Delivery.user_id == broken.id))
    assert errcode == 47003


def test_busy_wechat_is_retried_later_without_spending_again(app_ctx, make_user):
    fake = get_wechat_client().messages
    user = subscribed(make_user, 2)
    fake.fail_with(user.openid, 45009)
    with pytest.raises(RetryLater):
        send_batch(MESSAGE, [user.id])
    assert statuses() == {user.id: "retry"} and quota(user.id) == 1
    send_batch(MESSAGE, [user.id])
    assert statuses() == {user.id: "sent"} and quota(user.id) == 1
    assert len(fake.sent) == 1


def test_a_crash_between_send_and_settle_never_sends_twice(
    app_ctx, make_user, monkeypatch, clock, caplog
):
    fake = get_wechat_client().messages
    user = subscribed(make_user, 3)

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(sending, "_settle", crash)
    deliver(asdict(MESSAGE), [user.id])  # huey logs the failure and schedules a retry
    monkeypatch.undo()
    deliver(asdict(MESSAGE), [user.id])
    send_batch(MESSAGE, [user.id])
    assert len(fake.sent) == 1
    assert statuses() == {user.id: "pending"} and quota(user.id) == 2
    assert stale_pending(15) == 0  # not yet stale
    clock.advance(minutes=16)
    with caplog.at_level(logging.ERROR, logger="miniapp_api.push.sending"):
        assert stale_pending(15) == 1
    assert "left pending" in caplog.text


@pytest.mark.postgres
def test_two_parallel_sends_cannot_both_spend_the_last_one(app, make_user):
    """Ten jobs at once, each a different message, for a user with one send left."""
    user = subscribed(make_user, 1)
    user_id = user.id
    db.session.remove()

    def send(index: int):
        with app.app_context():
            message = Message(f"alert:{index}", "warning", {"thing1": "预警"})
            return send_batch(message, [user_id])["sent"]

    numbers = iter(range(10))
    results = fire_at_once(10, lambda: send(next(numbers)))
    assert sum(results) == 1
    with app.app_context():
        assert quota(user_id) == 0
        assert len(get_wechat_client().messages.sent) == 1
        found = db.session.scalars(select(Delivery.status)).all()
        assert sorted(found) == ["no_quota"] * 9 + ["sent"]


def test_a_user_banned_since_being_chosen_gets_nothing(app_ctx, make_user):
    user = subscribed(make_user, 1)
    user.status = "banned"
    db.session.commit()
    counts = send_batch(MESSAGE, [user.id])
    assert counts["failed"] == 1 and get_wechat_client().messages.sent == []
    assert statuses() == {user.id: "failed"} and quota(user.id) == 1
    assert send_batch(MESSAGE, [user.id])["failed"] == 0  # counted once


@pytest.mark.postgres
def test_the_same_batch_run_ten_times_at_once_sends_once(app, make_user):
    """A job picked up twice (or re-run) at the same moment: one delivery, one send."""
    user = subscribed(make_user, 3)
    user_id = user.id
    db.session.remove()

    def send():
        with app.app_context():
            return send_batch(MESSAGE, [user_id])["sent"]

    assert sum(fire_at_once(10, send)) == 1
    with app.app_context():
        assert quota(user_id) == 2
        assert len(get_wechat_client().messages.sent) == 1
        assert db.session.scalars(select(Delivery.status)).all() == ["sent"]
