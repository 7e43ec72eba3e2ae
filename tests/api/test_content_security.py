"""Content security through HTTP, against the fake WeChat's word list: a risky text is
422 CONTENT_RISKY with nothing stored; a text held for review is stored and hidden from
others until an officer clears it (or rejects it); with WeChat unreachable the text is
accepted, pending, and a later check applies the verdict; without the setting nothing
is checked."""

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from miniapp_api.moderation.models import ContentReview
from miniapp_api.moderation.service import recheck
from miniapp_api.points import service as points
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.wechat.client import WeChatClient
from miniapp_api.wechat.token_cache import DatabaseTokenStore
from miniapp_api.zones.models import Event, PromoterApplication
from tests.factories import ZONE_CENTRE, PromoterFactory, RoleZoneFactory, UserFactory, ZoneFactory
from tests.helpers import assert_error

ME, REVIEWS = "/api/v1/me", "/api/v1/admin/content-reviews"
RISKY, HELD = "赌博高手", "加微信领红包"


@pytest.fixture
def app(app_factory):
    return app_factory(CONTENT_SECURITY=True)


@pytest.fixture
def fake(app):
    return app.extensions["wechat"]


@pytest.fixture
def zone(app_ctx):
    return ZoneFactory()


@pytest.fixture
def officer(make_user, zone):
    user = make_user(roles=["station_admin"], nickname="派出所")
    RoleZoneFactory(user=user, zone=zone, role="station_admin")
    return user


def reviews() -> list[ContentReview]:
    db.session.expire_all()
    return list(db.session.scalars(select(ContentReview).order_by(ContentReview.id)))


def nickname_of(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user_id).nickname


def board_names(client, headers) -> dict[int, str]:
    body = client.get("/api/v1/leaderboards/volunteers", headers=headers).get_json()
    assert "items" in body, body
    return {item["user_id"]: item["nickname"] for item in body["items"]}


def earn(user, amount=5):
    with unit_of_work():
        points.award(db.session.merge(user), "quiz", f"t:{user.id}", points=amount)


# ---- nicknames ------------------------------------------------------------------------


def test_a_risky_nickname_is_refused_and_nothing_is_stored(client, make_user, auth_headers, fake):
    user = make_user(nickname="老李")
    response = client.patch(ME, json={"nickname": RISKY}, headers=auth_headers(user))
    body = assert_error(response, 422, "CONTENT_RISKY")
    assert list(body["errors"]["json"]) == ["nickname"]
    assert nickname_of(user.id) == "老李"
    assert reviews() == []
    assert fake.messages.checks == [RISKY]


def test_a_nickname_held_for_review_is_hidden_from_the_boards_until_cleared(
    client, make_user, auth_headers, officer, zone
):
    author = make_user(roles=["volunteer"], nickname="老李", zone_id=zone.id)
    reader = make_user(roles=["volunteer"])
    earn(author)
    response = client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["nickname"] == HELD  # the author sees their own
    assert board_names(client, auth_headers(reader))[author.id] == "微信用户"
    [row] = reviews()
    assert (row.kind, row.subject_id, row.text, row.status) == (
        "nickname",
        author.id,
        HELD,
        "review",
    )

    listed = client.get(REVIEWS, query_string={"status": "review"}, headers=auth_headers(officer))
    assert [item["id"] for item in listed.get_json()["items"]] == [row.id]
    cleared = client.post(f"{REVIEWS}/{row.id}/clear", headers=auth_headers(officer))
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["status"] == "cleared"
    assert board_names(client, auth_headers(reader))[author.id] == HELD
    again = client.post(f"{REVIEWS}/{row.id}/reject", headers=auth_headers(officer))
    assert_error(again, 409, "REVIEW_DECIDED")


def test_a_promoter_sees_a_held_nickname_of_a_volunteer_as_the_placeholder(
    client, auth_headers, zone
):
    from tests.factories import EnrollmentFactory

    promoter = PromoterFactory(zone=zone)
    volunteer = db.session.get(User, EnrollmentFactory(promoter=promoter).volunteer_id)
    client.patch(ME, json={"nickname": HELD}, headers=auth_headers(volunteer))
    body = client.get("/api/v1/promoter/volunteers", headers=auth_headers(promoter)).get_json()
    assert [item["nickname"] for item in body["items"]] == ["微信用户"]


def test_a_rejected_nickname_becomes_the_placeholder(
    client, make_user, auth_headers, officer, zone
):
    author = make_user(nickname="老李", zone_id=zone.id)
    client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    [row] = reviews()
    rejected = client.post(f"{REVIEWS}/{row.id}/reject", headers=auth_headers(officer))
    assert rejected.get_json()["status"] == "rejected"
    assert nickname_of(author.id) == "微信用户"


def test_a_new_nickname_supersedes_the_one_under_review(client, make_user, auth_headers):
    author = make_user(roles=["volunteer"], nickname="老李")
    earn(author)
    client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    assert len(reviews()) == 1
    client.patch(ME, json={"nickname": "老李头"}, headers=auth_headers(author))
    assert reviews() == []
    reader = make_user(roles=["volunteer"])
    assert board_names(client, auth_headers(reader))[author.id] == "老李头"


def test_an_officer_of_another_zone_cannot_decide(client, make_user, auth_headers, officer):
    other = ZoneFactory()
    author = make_user(nickname="老李", zone_id=other.id)
    client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    [row] = reviews()
    listed = client.get(REVIEWS, headers=auth_headers(officer)).get_json()
    assert listed["items"] == []
    assert_error(client.post(f"{REVIEWS}/{row.id}/clear", headers=auth_headers(officer)), 404,
                 "NOT_FOUND")  # fmt: skip
    assert reviews()[0].status == "review"


# ---- events and organisations ---------------------------------------------------------


def event_payload(**values):
    now = utcnow()
    return {
        "title": "社区反诈宣传",
        "latitude": ZONE_CENTRE[1],
        "longitude": ZONE_CENTRE[0],
        "coord_type": "gcj02",
        "radius_m": 200,
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        **values,
    }


def test_a_risky_event_is_refused_and_not_stored(client, auth_headers, zone):
    promoter = PromoterFactory(zone=zone)
    response = client.post(
        "/api/v1/events",
        json=event_payload(description=f"现场{RISKY}"),
        headers=auth_headers(promoter),
    )
    body = assert_error(response, 422, "CONTENT_RISKY")
    assert set(body["errors"]["json"]) == {"title", "description"}
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    assert reviews() == []


def test_an_event_held_for_review_is_left_out_of_public_reads_until_cleared(
    client, auth_headers, zone, officer
):
    promoter = PromoterFactory(zone=zone)
    created = client.post(
        "/api/v1/events",
        json=event_payload(description="报名请私聊"),
        headers=auth_headers(promoter),
    )
    assert created.status_code == 201, created.get_json()
    event_id = created.get_json()["id"]
    assert [e["id"] for e in client.get("/api/v1/events").get_json()["items"]] == []
    assert_error(client.get(f"/api/v1/events/{event_id}"), 404, "NOT_FOUND")
    [row] = reviews()
    assert (row.kind, row.subject_id, row.zone_id) == ("event", event_id, zone.id)
    client.post(f"{REVIEWS}/{row.id}/clear", headers=auth_headers(officer))
    assert [e["id"] for e in client.get("/api/v1/events").get_json()["items"]] == [event_id]
    assert client.get(f"/api/v1/events/{event_id}").status_code == 200


def test_a_rejected_event_is_cancelled(client, auth_headers, zone, officer):
    promoter = PromoterFactory(zone=zone)
    created = client.post(
        "/api/v1/events", json=event_payload(title="加微信报名"), headers=auth_headers(promoter)
    )
    [row] = reviews()
    client.post(f"{REVIEWS}/{row.id}/reject", headers=auth_headers(officer))
    body = client.get(f"/api/v1/events/{created.get_json()['id']}").get_json()
    assert (body["cancelled"], body["cancel_reason"]) == (True, "活动内容未通过审核")


def test_an_edited_event_title_is_checked(client, auth_headers, zone):
    promoter = PromoterFactory(zone=zone)
    event_id = client.post(
        "/api/v1/events", json=event_payload(), headers=auth_headers(promoter)
    ).get_json()["id"]
    edited = client.patch(
        f"/api/v1/events/{event_id}", json={"title": RISKY}, headers=auth_headers(promoter)
    )
    assert_error(edited, 422, "CONTENT_RISKY")
    db.session.expire_all()
    assert db.session.get(Event, event_id).title == "社区反诈宣传"


def application(**values):
    return {"real_name": "王芳", "phone": "13800138000", "organisation": "宗汉街道社区", **values}


def test_a_risky_organisation_is_refused_and_a_held_one_rejected(
    client, make_user, auth_headers, zone, officer
):
    applicant = make_user()
    url = "/api/v1/promoter-applications"
    risky = client.post(
        url, json=application(zone_id=zone.id, organisation=RISKY), headers=auth_headers(applicant)
    )
    assert_error(risky, 422, "CONTENT_RISKY")
    assert db.session.scalar(select(func.count()).select_from(PromoterApplication)) == 0
    held = client.post(
        url, json=application(zone_id=zone.id, organisation=HELD), headers=auth_headers(applicant)
    )
    assert held.status_code == 201, held.get_json()
    [row] = reviews()
    assert (row.kind, row.subject_id) == ("organisation", held.get_json()["id"])
    client.post(f"{REVIEWS}/{row.id}/reject", headers=auth_headers(officer))
    db.session.expire_all()
    assert db.session.get(PromoterApplication, row.subject_id).organisation != HELD


# ---- WeChat unavailable ---------------------------------------------------------------


def test_with_wechat_unavailable_the_text_is_accepted_and_checked_later(
    client, make_user, auth_headers, fake
):
    author = make_user(roles=["volunteer"], nickname="老李")
    reader = make_user(roles=["volunteer"])
    earn(author)
    fake.security_unavailable = True
    response = client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    assert response.status_code == 200, response.get_json()
    [row] = reviews()
    assert row.status == "pending"  # the job ran at the commit, found WeChat down, retries
    assert board_names(client, auth_headers(reader))[author.id] == HELD  # accepted meanwhile
    fake.security_unavailable = False
    recheck.call_local(row.id)
    assert reviews()[0].status == "review"
    assert board_names(client, auth_headers(reader))[author.id] == "微信用户"


def test_the_periodic_sweep_checks_again_what_waited_too_long(app_ctx, make_user, clock):
    """Pending for 31 minutes: queued again; a day old: left to the officers."""
    from miniapp_api.moderation.service import sweep_pending
    from tests.factories import ContentReviewFactory

    ContentReviewFactory(status="pending", user=make_user(nickname=HELD))
    clock.advance(days=2)
    ContentReviewFactory(status="pending", user=make_user(nickname=HELD))
    sweep_pending.call_local()
    assert [row.status for row in reviews()] == ["pending", "pending"]  # not yet: too recent
    clock.advance(minutes=31)
    sweep_pending.call_local()
    assert [row.status for row in reviews()] == ["pending", "review"]


def test_a_later_risky_verdict_from_the_real_client_rejects_the_text(
    app, client, make_user, auth_headers
):
    """The real client over httpx: a connection error accepts the nickname pending; the
    later check (msgSecCheck v2, scene 1, the author's openid) finds it risky."""
    seen, answer = [], {"fail": True}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})
        seen.append(request.read())
        if answer["fail"]:
            raise httpx.ConnectError("down", request=request)
        return httpx.Response(200, json={"errcode": 0, "result": {"suggest": "risky"}})

    app.extensions["wechat"] = WeChatClient(
        "appid", "secret", DatabaseTokenStore(), transport=httpx.MockTransport(handler)
    )
    author = make_user(nickname="老李", openid="o-author")
    response = client.patch(ME, json={"nickname": "刷单"}, headers=auth_headers(author))
    assert response.status_code == 200, response.get_json()
    [row] = reviews()
    assert row.status == "pending"
    answer["fail"] = False
    recheck.call_local(row.id)
    assert reviews()[0].status == "rejected"
    assert nickname_of(author.id) == "微信用户"
    assert json.loads(seen[-1]) == {"content": "刷单", "version": 2, "scene": 1,
                                    "openid": "o-author"}  # fmt: skip


def test_without_the_setting_nothing_is_checked(app_factory, auth_headers):
    plain = app_factory()
    with plain.app_context():
        user = UserFactory(nickname="老李")
        token = auth_headers(user)
    response = plain.test_client().patch(ME, json={"nickname": RISKY}, headers=token)
    assert response.status_code == 200
    assert plain.extensions["wechat"].messages.checks == []


# ---- personal data --------------------------------------------------------------------


def test_reviews_are_exported_and_erased_with_the_account(client, make_user, auth_headers):
    author = make_user(nickname="老李")
    client.patch(ME, json={"nickname": HELD}, headers=auth_headers(author))
    exported = client.get(f"{ME}/export", headers=auth_headers(author)).get_json()
    assert [(r["kind"], r["text"], r["status"]) for r in exported["content_reviews"]] == [
        ("nickname", HELD, "review")
    ]
    assert client.delete(ME, headers=auth_headers(author)).status_code == 204
    assert reviews() == []


@pytest.mark.postgres
def test_parallel_decisions_on_one_review_decide_it_once(
    live_server, make_user, auth_headers, officer, zone
):
    """6 officers' requests at once (3 clear, 3 reject): one wins, the others are 409
    REVIEW_DECIDED, and one audit entry is written."""
    from miniapp_api.audit.models import AuditEntry
    from tests.factories import ContentReviewFactory
    from tests.helpers import fire_at_once

    author = make_user(nickname=HELD, zone_id=zone.id)
    review_id = ContentReviewFactory(user=author).id
    headers = auth_headers(officer)
    actions = iter(["clear", "reject"] * 3)
    paths = [f"{live_server}{REVIEWS}/{review_id}/{next(actions)}" for _ in range(6)]
    calls = iter(paths)

    def send():
        return httpx.post(next(calls), headers=headers, timeout=30)

    responses = fire_at_once(6, send)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 5
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"REVIEW_DECIDED"}
    db.session.expire_all()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "content_review")
    ).all()
    assert len(entries) == 1
