"""The console dashboard's figures (console/dashboard.py) on a small data set: today's and
this week's key figures, the daily chart's options, participation by zone, the weakest
fraud types and the applications waiting, in the officer's reach."""

from __future__ import annotations

import json
import re

import pytest

from miniapp_api.console.dashboard import dashboard_context
from miniapp_api.storage import db
from miniapp_api.timeutil import local_today, period_start
from tests.factories import (
    CategoryFactory,
    PromoterApplicationFactory,
    QuestionFactory,
    QuizSessionFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)
from tests.helpers import console_sign_in


def figure(context, label: str):
    return next(f for f in context["dashboard_figures"] if f.label == label)


@pytest.fixture
def world(app_ctx, clock):
    home, away = ZoneFactory(name="浒山街道"), ZoneFactory(name="古塘街道")
    officer = StationAdminFactory(zone=home)
    today = local_today()
    for zone, count in ((home, 2), (away, 3)):
        for _ in range(count):
            UserFactory(zone_id=zone.id)  # new today
    PromoterApplicationFactory(zone=home)
    PromoterApplicationFactory(zone=away)
    PromoterApplicationFactory(zone=home, status="approved")
    weak = CategoryFactory(slug="weak-one", name="冒充公检法")
    question = QuestionFactory(category=weak)
    player = UserFactory(zone_id=home.id)
    session = QuizSessionFactory(user=player, questions=[question])
    session.submitted_at, session.score = session.started_at, 0
    session.questions[0].answered_at, session.questions[0].correct = session.started_at, False
    db.session.commit()
    return officer, home, today


def test_the_officers_figures_cover_its_zones_only(world):
    officer, _, today = world
    context = dashboard_context(officer)
    assert figure(context, "新增用户").today == 3  # 2 residents + the quiz player, not away
    assert figure(context, "新增用户").week == 3
    assert figure(context, "答题").today == 1
    assert context["dashboard_waiting"] == 1  # pending, in its zone
    assert [z.zone_name for z in context["dashboard_zones"]] == ["浒山街道"]
    assert [c.name for c in context["dashboard_weakest"]] == ["冒充公检法"]
    assert context["dashboard_weakest"][0].facility == 0
    chart = context["dashboard_chart"]
    assert len(chart["xAxis"]["data"]) == 30
    assert chart["xAxis"]["data"][-1] == f"{today.month}月{today.day}日"
    quizzes = next(s for s in chart["series"] if s["name"] == "答题")
    assert quizzes["data"][-1] == 1 and sum(quizzes["data"]) == 1
    everyone = dashboard_context(UserFactory(roles=["admin"]))
    assert figure(everyone, "新增用户").today >= 6 and everyone["dashboard_waiting"] == 2


def test_this_week_adds_the_earlier_days_of_the_week(world, clock):
    officer, _, today = world
    clock.advance(days=1)  # Thursday: the users came yesterday, within the week
    assert period_start("week", local_today()) < today
    new_users = figure(dashboard_context(officer), "新增用户")
    assert (new_users.today, new_users.week) == (0, 3)


def test_the_dashboard_page_shows_the_figures_and_the_chart_options(client, world):
    officer, _, _ = world
    console_sign_in(client, officer)
    response = client.get("/console/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "待审核宣传员申请" in page and "今日新增用户" in page and "冒充公检法" in page
    assert "vendor/echarts/echarts.min.js" in page
    options = re.search(
        r'<script type="application/json" id="dashboard-chart">(.*?)</script>', page
    )
    assert json.loads(options.group(1))["series"][0]["name"] == "活跃用户"
