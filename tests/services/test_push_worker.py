"""A real huey consumer against Redis sends a queued delivery job (CI's second pass)."""

import time
from dataclasses import asdict

import pytest
from sqlalchemy import select

from miniapp_api.jobs import bind, enqueue, huey
from miniapp_api.push.jobs import deliver
from miniapp_api.push.models import Delivery
from miniapp_api.push.sending import Message
from miniapp_api.push.subscriptions import record_results
from miniapp_api.storage import db, unit_of_work
from miniapp_api.wechat import get_wechat_client
from tests.factories import UserFactory


@pytest.mark.redis
def test_a_consumer_sends_a_queued_message(app_factory):
    app = app_factory(JOBS_BACKEND="redis")
    with app.app_context():
        bind(app)
        user = UserFactory()
        record_results(user, {"dev-template-warning": "accept"})
        consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
        consumer.start()
        try:
            message = Message("alert:9", "warning", {"thing1": "队列中的预警"})
            with unit_of_work():
                enqueue(deliver, asdict(message), [user.id])
            fake = get_wechat_client().messages
            deadline = time.monotonic() + 20
            while not fake.sent and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [m["touser"] for m in fake.sent] == [user.openid]
            for _ in range(100):  # the settle commits just after the send
                db.session.rollback()
                if db.session.scalar(select(Delivery.status)) == "sent":
                    break
                time.sleep(0.05)
            assert db.session.scalar(select(Delivery.status)) == "sent"
        finally:
            consumer.stop(graceful=True)
            huey.flush()
