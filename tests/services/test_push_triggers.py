"""What sends a message: a decided application, a redemption, an event about to start,
scheduled content whose time came; and the nightly consistency check."""

import logging
from datetime import timedelta

from sqlalchemy import select

from miniapp_api.leaderboards.models import LeaderboardScore
from miniapp_api.points import admin_service as points_admin
from miniapp_api.push import service as push
from miniapp_api.push.models import Delivery
from miniapp_api.push.subscriptions import record_results
from miniapp_api.rewards import service as rewards
from miniapp_api.rewards.models import Reward
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client
from miniapp_api.zones.applications import decide_application
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    EnrollmentFactory,
    EventFactory,
    PromoterApplicationFactory,
    UserFactory,
)
from tests.helpers import station_world


def accept(user, *keys):
    record_results(user, {f"dev-template-{key}": "accept" for key in keys})


def sent() -> list[dict]:
    return get_wechat_client().messages.sent


def test_the_applicant_learns_the_decision(app_ctx):
    people = station_world()
    application = PromoterApplicationFactory(zone=people.street)
    accept(application.user, "application_decided")
    decide_application(application.id, False, "材料不全，请补充", people.officer)
    assert len(sent()) == 1
    message = sent()[0]
    assert message["touser"] == application.user.openid
    assert message["template_id"] == "dev-template-application_decided"
    assert message["data"]["phrase2"] == "未通过"
    assert message["data"]["thing3"] == "材料不全，请补充"


def test_a_redemption_sends_its_pickup_code(app_ctx):
    user = UserFactory()
    accept(user, "reward_ready")
    points_admin.adjust(user.id, 30, "测试发放", UserFactory(roles=["admin"]), None)
    reward = Reward(name="防诈骗手提袋", points_cost=10, stock=5)
    db.session.add(reward)
    db.session.commit()
    redemption = rewards.redeem(db.session.get(User, user.id), reward.id, "key-1")
    rewards.redeem(db.session.get(User, user.id), reward.id, "key-1")  # a replay sends nothing
    assert [m["data"]["character_string2"] for m in sent()] == [redemption.code]
    assert sent()[0]["page"] == f"pages/rewards/mine?id={redemption.id}"


def test_volunteers_are_reminded_once_before_an_event(app_ctx, clock):
    people = station_world()
    event = EventFactory(promoter=people.promoter, starts_at=utcnow() + timedelta(minutes=20))
    EventFactory(promoter=people.promoter, starts_at=utcnow() + timedelta(hours=3))  # later
    accept(people.volunteer, "event_reminder")
    accept(people.outsider, "event_reminder")  # another promoter's volunteer
    quiet = EnrollmentFactory(promoter=people.promoter).volunteer_id  # no quota
    assert push.send_event_reminders() == 1
    assert [m["touser"] for m in sent()] == [people.volunteer.openid]
    assert sent()[0]["data"]["thing1"] == event.title
    clock.advance(minutes=5)
    accept(people.volunteer, "event_reminder")
    assert push.send_event_reminders() == 0  # already reminded: nothing queued
    assert len(sent()) == 1
    assert db.session.scalar(select(Delivery.id).where(Delivery.user_id == quiet)) is None


def test_scheduled_content_is_pushed_once_when_due(app_ctx, clock):
    category = CategoryFactory(slug="push-due", name="到点推送")
    reader = UserFactory(subscribed_categories=["push-due"])
    accept(reader, "new_article")
    record_results(reader, {"dev-template-new_article": "accept"})
    article = ArticleFactory(
        category=category, status="scheduled", published_at=utcnow() + timedelta(minutes=3)
    )
    assert push.announce_due_content() == 0  # not yet
    clock.advance(minutes=4)
    assert push.announce_due_content() == 1
    assert push.announce_due_content() == 0
    assert [m["touser"] for m in sent()] == [reader.openid]
    assert sent()[0]["page"] == f"pages/articles/detail?id={article.id}"


def test_the_nightly_check_reports_differences(app_ctx, caplog):
    user = UserFactory(roles=["volunteer"])
    points_admin.adjust(user.id, 5, "测试发放", UserFactory(roles=["admin"]), None)
    assert push.consistency_check() == {"balances": 0, "leaderboard_rows": 0}
    db.session.get(User, user.id).points_balance = 7
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="miniapp_api.push.periodic"):
        assert push.consistency_check()["balances"] == 1
    assert "differ from the ledger" in caplog.text


def test_the_nightly_check_finds_a_leaderboard_row_off_the_ledger(app_ctx, caplog):
    user = UserFactory(roles=["volunteer"])
    row = {"board": "volunteers", "period": "all", "zone_id": 0, "user_id": user.id}
    db.session.add(LeaderboardScore(**row, score=9, reached_seq=1, sort_key=1))
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="miniapp_api.push.periodic"):
        assert push.consistency_check() == {"balances": 0, "leaderboard_rows": 1}
    assert f"volunteers/all zone 0 user {user.id} stored 9, ledger 0" in caplog.text
