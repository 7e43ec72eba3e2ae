"""Every administrative route, found by walking the app's URL map: who may call it, what a
station admin of another zone gets for objects outside its reach, and that every write
leaves its audit entry. A route missing from the table below fails the first test."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.push.models import Broadcast
from miniapp_api.storage import db
from tests.factories import (
    ZONE_CENTRE,
    AlertFactory,
    ArticleFactory,
    CategoryFactory,
    ContentReviewFactory,
    EventFactory,
    PromoterApplicationFactory,
    QuestionFactory,
    RedemptionFactory,
    RewardFactory,
)
from tests.helpers import station_world

ADMIN = "/api/v1/admin"
WARNING = {
    "kind": "warning",
    "level": "high",
    "title": "冒充客服退款电话增多",
    "summary": "近期冒充电商客服退款的诈骗增多，请提高警惕。",
    "body": "接到自称客服的退款电话，先挂断，再从购物 App 里联系官方客服核实。",
    "published_at": "2026-11-20T09:00:00+08:00",
}
ARTICLE = {
    "slug": "test-admin-article",
    "title": "测试文章",
    "category": "test-category",
    "summary": "一篇用于测试管理权限的文章摘要。",
    "body_markdown": "这是一篇用于测试的反诈文章正文。" * 5,
}
QUESTION = {
    "category": "test-category",
    "type": "single",
    "stem": "陌生人让你下载会议软件共享屏幕，怎么办？",
    "options": [{"key": "a", "text": "照他说的做"}, {"key": "b", "text": "拒绝并挂断"}],
    "answer": ["b"],
    "explanation": "共享屏幕会让骗子看到验证码，应拒绝并挂断。",
}
EVENT = {
    "zone_id": "{zone}",
    "title": "派出所反诈讲座",
    "latitude": ZONE_CENTRE[1],
    "longitude": ZONE_CENTRE[0],
    "coord_type": "gcj02",
    "radius_m": 300,
    "starts_at": "2099-01-01T09:00:00+08:00",
    "ends_at": "2099-01-01T11:00:00+08:00",
}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[121.20, 30.10], [121.21, 30.10], [121.21, 30.11], [121.20, 30.10]]],
}


@dataclass
class World:
    """The station world plus one object of each kind: `mine` hang off the officer's
    zone, `global_` are city-wide."""

    people: Any
    ids: dict[str, int] = field(default_factory=dict)


def build_world() -> World:
    people = station_world()
    category = CategoryFactory(slug="test-category", name="测试类型")
    ids = {
        "category": category.id,
        "article": ArticleFactory(category=category).id,
        "draft": ArticleFactory(category=category, status="draft", published_at=None).id,
        "question": QuestionFactory(category=category).id,
        "reward": RewardFactory().id,
        "unused_reward": RewardFactory().id,
        "alert": AlertFactory(zone_ids=[people.street.id]).id,
        "zone": people.street.id,
        "event": EventFactory(promoter=people.promoter).id,
        "user": people.volunteer.id,
    }
    for name in ("approve", "reject"):
        ids[f"application_{name}"] = PromoterApplicationFactory(zone=people.street).id
    for name in ("fulfil", "cancel"):
        ids[f"redemption_{name}"] = RedemptionFactory(user=people.volunteer).id
    for name in ("clear", "reject"):
        ids[f"review_{name}"] = ContentReviewFactory(user=people.volunteer).id
    broadcast = Broadcast(message_key="alert:0", template_key="warning", batches=1,
                          filters={"zone_ids": [people.street.id]})  # fmt: skip
    db.session.add(broadcast)
    db.session.commit()
    ids["broadcast"] = broadcast.id
    return World(people, ids)


@dataclass(frozen=True)
class Route:
    """One route: its path with `{name}` filled from the world's ids, a valid body for
    the audited call, what a station admin of another zone gets, and the audit action."""

    method: str
    rule: str
    path: str
    body: Any = None
    stranger: int = 404  # 403: only an admin has this right; 200: a list in reach
    action: str | None = None  # the audit entry a successful call writes
    caller: str = "admin"  # who makes the audited call: admin or officer
    multipart: bool = False


def csv_upload():
    text = "题干,诈骗类型,题型,选项A,选项B,答案,解析\n"
    text += "接到“公检法”电话让转账，怎么办？,test-category,单选,照做,挂断后报警,B,"
    text += "公检法不会让你转账。\n"
    return {"file": (io.BytesIO(text.encode("utf-8")), "bank.csv")}


ROUTES = [
    Route("GET", "/alerts", "/alerts", stranger=200),
    Route("POST", "/alerts", "/alerts", {**WARNING, "slug": "test-new-warning"},
          stranger=403, action="alert.create"),
    Route("GET", "/alerts/<int:alert_id>", "/alerts/{alert}"),
    Route("PUT", "/alerts/<int:alert_id>", "/alerts/{alert}",
          {**WARNING, "slug": "test-local", "zone_ids": ["{zone}"]}, action="alert.update",
          caller="officer"),
    Route("DELETE", "/alerts/<int:alert_id>", "/alerts/{alert}", action="alert.archive",
          caller="officer"),
    Route("GET", "/articles", "/articles", stranger=403),
    Route("POST", "/articles", "/articles", ARTICLE, stranger=403, action="article.create"),
    Route("GET", "/articles/<int:article_id>", "/articles/{article}", stranger=403),
    Route("PATCH", "/articles/<int:article_id>", "/articles/{article}", {"title": "改过的标题"},
          stranger=403, action="article.update"),
    Route("DELETE", "/articles/<int:article_id>", "/articles/{article}", stranger=403,
          action="article.archive"),
    Route("POST", "/articles/<int:article_id>/archive", "/articles/{article}/archive",
          stranger=403, action="article.archive"),
    Route("POST", "/articles/<int:article_id>/publish", "/articles/{draft}/publish", {},
          stranger=403, action="article.publish"),
    Route("GET", "/audit", "/audit", stranger=200),
    Route("POST", "/broadcasts", "/broadcasts", {"alert_id": "{alert}"},
          action="broadcast.create", caller="officer"),
    Route("GET", "/broadcasts/<int:broadcast_id>", "/broadcasts/{broadcast}"),
    Route("POST", "/broadcasts/<int:broadcast_id>/cancel", "/broadcasts/{broadcast}/cancel",
          action="broadcast.cancel", caller="officer"),
    Route("GET", "/categories", "/categories", stranger=403),
    Route("POST", "/categories", "/categories",
          {"slug": "test-new-type", "name": "新类型", "risk_groups": ["elderly"],
           "description": "一种新近出现的诈骗手法：骗子冒充熟人发来链接，诱导转账。"}, stranger=403,
          action="category.create"),
    Route("GET", "/categories/<int:category_id>", "/categories/{category}", stranger=403),
    Route("PATCH", "/categories/<int:category_id>", "/categories/{category}",
          {"name": "改过的类型"}, stranger=403, action="category.update"),
    Route("GET", "/content-reviews", "/content-reviews", stranger=200),
    Route("POST", "/content-reviews/<int:review_id>/clear", "/content-reviews/{review_clear}/clear",
          action="content_review.clear", caller="officer"),
    Route("POST", "/content-reviews/<int:review_id>/reject",
          "/content-reviews/{review_reject}/reject", action="content_review.reject",
          caller="officer"),
    Route("GET", "/events", "/events", stranger=200),
    Route("POST", "/events", "/events", EVENT, action="event.create", caller="officer"),
    Route("GET", "/exports/<export_kind:kind>.<export_format:fmt>",
          "/exports/volunteers.csv?zone_id={zone}", action="export.volunteers",
          caller="officer"),
    Route("GET", "/promoter-applications", "/promoter-applications", stranger=200),
    Route("POST", "/promoter-applications/<int:application_id>/approve",
          "/promoter-applications/{application_approve}/approve", action="application.approve",
          caller="officer"),
    Route("POST", "/promoter-applications/<int:application_id>/reject",
          "/promoter-applications/{application_reject}/reject", {"reason": "材料不全"},
          action="application.reject", caller="officer"),
    Route("GET", "/questions", "/questions", stranger=200),
    Route("POST", "/questions", "/questions", QUESTION, stranger=403, action="question.create"),
    Route("POST", "/questions/import", "/questions/import", stranger=403,
          action="question.import", multipart=True),
    Route("GET", "/questions/<int:question_id>", "/questions/{question}", stranger=200),
    Route("PATCH", "/questions/<int:question_id>", "/questions/{question}",
          {"explanation": "改过的解析：共享屏幕会泄露验证码。"}, stranger=403,
          action="question.update"),
    Route("DELETE", "/questions/<int:question_id>", "/questions/{question}", stranger=403,
          action="question.retire"),
    Route("GET", "/quiz-stats", "/quiz-stats", stranger=200),
    Route("GET", "/redemptions", "/redemptions", stranger=200),
    Route("POST", "/redemptions/<int:redemption_id>/fulfil",
          "/redemptions/{redemption_fulfil}/fulfil", action="redemption.fulfil",
          caller="officer"),
    Route("POST", "/redemptions/<int:redemption_id>/cancel",
          "/redemptions/{redemption_cancel}/cancel", action="redemption.cancel",
          caller="officer"),
    Route("GET", "/rewards", "/rewards", stranger=403),
    Route("GET", "/stats", "/stats?zone_id={zone}"),
    Route("POST", "/rewards", "/rewards", {"name": "防骗手提袋", "points_cost": 20, "stock": 10},
          stranger=403, action="reward.create"),
    Route("PATCH", "/rewards/<int:reward_id>", "/rewards/{reward}", {"stock": 9},
          stranger=403, action="reward.update"),
    Route("DELETE", "/rewards/<int:reward_id>", "/rewards/{unused_reward}", stranger=403,
          action="reward.delete"),
    Route("GET", "/users", "/users", stranger=200),
    Route("GET", "/users/<int:user_id>", "/users/{user}"),
    Route("POST", "/users/<int:user_id>/ban", "/users/{user}/ban", {"reason": "批量注册"},
          action="user.ban", caller="officer"),
    Route("POST", "/users/<int:user_id>/unban", "/users/{user}/unban", {},
          action="user.unban", caller="officer"),
    Route("POST", "/users/<int:user_id>/points", "/users/{user}/points",
          {"delta": 5, "reason": "活动补录"}, action="points.adjust", caller="officer"),
    Route("POST", "/users/<int:user_id>/roles", "/users/{user}/roles",
          {"role": "promoter", "zone_ids": ["{zone}"]}, action="role.grant", caller="officer"),
    Route("DELETE", "/users/<int:user_id>/roles/<string:role>", "/users/{user}/roles/volunteer",
          stranger=403, action="role.revoke"),
    Route("GET", "/zones", "/zones", stranger=200),
    Route("POST", "/zones", "/zones",
          {"name": "新社区", "district": "慈溪市", "kind": "community", "coord_type": "gcj02",
           "geometry": SQUARE}, stranger=403, action="zone.create"),
    Route("GET", "/zones/<int:zone_id>", "/zones/{zone}"),
    Route("PATCH", "/zones/<int:zone_id>", "/zones/{zone}", {"name": "改名的社区"},
          stranger=403, action="zone.update"),
    Route("DELETE", "/zones/<int:zone_id>", "/zones/{zone}", stranger=403,
          action="zone.deactivate"),
]  # fmt: skip
# Event administration lives beside the events themselves.
EVENT_ROUTES = [
    Route("PATCH", "/api/v1/events/<int:event_id>", "/api/v1/events/{event}",
          {"title": "改过的活动名称"}, action="event.update", caller="officer"),
    Route("DELETE", "/api/v1/events/<int:event_id>", "/api/v1/events/{event}",
          action="event.cancel", caller="officer"),
]  # fmt: skip


def full(route: Route) -> tuple[str, str]:
    prefix = "" if route.rule.startswith("/api/") else ADMIN
    return prefix + route.rule, prefix + route.path


def fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def call(client, route: Route, world: World, headers: dict):
    path = full(route)[1].format(**world.ids)
    if route.multipart:
        return client.open(path, method=route.method, data=csv_upload(), headers=headers)
    body = fill(route.body, world.ids)
    return client.open(path, method=route.method, json=body, headers=headers)


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def world(app_ctx) -> World:
    return build_world()


def test_the_table_covers_every_administrative_route(app):
    mapped = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{ADMIN}/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(route.method, full(route)[0]) for route in ROUTES}
    assert mapped == listed, {"missing": mapped - listed, "stale": listed - mapped}


@pytest.mark.parametrize("route", ROUTES + EVENT_ROUTES, ids=lambda r: f"{r.method} {r.rule}")
def test_residents_volunteers_and_promoters_are_forbidden(client, world, auth_headers, route):
    people = world.people
    if route in EVENT_ROUTES:
        callers = (people.resident, people.volunteer)  # the organiser is a promoter
    else:
        callers = (people.resident, people.volunteer, people.promoter)
    for caller in callers:
        response = call(client, route, world, auth_headers(caller))
        expected = 404 if route in EVENT_ROUTES else 403
        assert response.status_code == expected, (caller.nickname, response.get_json())


@pytest.mark.parametrize("route", ROUTES + EVENT_ROUTES, ids=lambda r: f"{r.method} {r.rule}")
def test_a_station_admin_of_another_zone_sees_nothing_of_this_one(
    client, world, auth_headers, route
):
    before = audit_count()
    response = call(client, route, world, auth_headers(world.people.stranger))
    assert response.status_code == route.stranger, response.get_json()
    mine = (
        {
            "/users": {world.people.volunteer.id, world.people.promoter.id},
            "/events": {world.ids["event"]},
            "/alerts": {world.ids["alert"]},
            "/promoter-applications": {
                world.ids["application_approve"],
                world.ids["application_reject"],
            },
            "/redemptions": {world.ids["redemption_fulfil"], world.ids["redemption_cancel"]},
            "/content-reviews": {world.ids["review_clear"], world.ids["review_reject"]},
        }.get(route.rule)
        if route.method == "GET"
        else None
    )
    if mine:
        listed = {item["id"] for item in response.get_json()["items"]}
        assert not mine & listed, listed
    assert audit_count() == before  # a refusal writes nothing


AUDITED = [route for route in ROUTES + EVENT_ROUTES if route.action]


@pytest.mark.parametrize("route", AUDITED, ids=lambda r: f"{r.method} {r.rule}")
def test_every_administrative_write_leaves_its_audit_entry(client, world, auth_headers, route):
    caller = world.people.officer if route.caller == "officer" else world.people.admin
    before = audit_count()
    response = call(client, route, world, auth_headers(caller))
    assert response.status_code in (200, 201, 202, 204), response.get_json()
    assert audit_count() == before + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id) == (route.action, caller.id)
