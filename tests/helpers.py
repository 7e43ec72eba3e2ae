"""Helpers every test module may use: the error shape, parallel requests, a clock
tests can move, and a small question bank."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from miniapp_api.categories.models import Category
from miniapp_api.content.questions import QuestionData, sync_questions
from miniapp_api.quizzes.checks import MULTIPLE, SINGLE, TRUE_FALSE
from miniapp_api.quizzes.models import QuestionOption
from miniapp_api.storage import db, unit_of_work
from miniapp_api.users.models import User
from tests.factories import (
    EnrollmentFactory,
    PromoterApplicationFactory,
    PromoterFactory,
    RoleZoneFactory,
    UserFactory,
    ZoneFactory,
)

SESSIONS = "/api/v1/quiz-sessions"

# ---- the error shape ------------------------------------------------------------------

ERROR_FIELDS = {"code", "status", "error", "message", "errors"}


def assert_error(response, status: int, error: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) >= ERROR_FIELDS, body
    assert body["code"] == status
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    assert response.headers["X-Request-ID"] == body["request_id"]
    return body


# ---- parallel requests --------------------------------------------------------------------


def fire_at_once(count: int, send) -> list:
    """Run `send()` on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = send()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# ---- the clock ----------------------------------------------------------------------------


class FrozenClock:
    """A clock that stands still until moved (`app.extensions["clock"]`, see the `clock`
    fixture): every "now" of the app reads it."""

    def __init__(self, now: datetime | None = None):
        self.current = now or datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wed 10:00 in Shanghai

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


# ---- a question bank ----------------------------------------------------------------------


def question_items(slug: str, count: int) -> list[QuestionData]:
    items = []
    for n in range(count):
        kind = (SINGLE, MULTIPLE, TRUE_FALSE)[n % 3]
        if kind == TRUE_FALSE:
            options, answer = (("a", "正确"), ("b", "错误")), ("a",) if n % 2 else ("b",)
        else:
            options = tuple((key, f"{slug} 第{n}题 选项{key}") for key in "abcd")
            answer = ("abcd"[n % 4],) if kind == SINGLE else ("a", "c")
        items.append(
            QuestionData(
                path="test",
                key=f"{slug}-q{n:02d}",
                category=slug,
                type=kind,
                stem=f"{slug} 第{n}题：接到陌生电话，应该怎么做？",
                options=options,
                answer=answer,
                explanation=f"解析 {slug}-{n}：挂断电话，拨打 96110 核实。",
                article=f"{slug}-article",
            )
        )
    return items


def make_bank(categories: int = 3, per_category: int = 12) -> list[str]:
    """Categories cat-0… with `per_category` questions each; returns the slugs."""
    slugs = [f"cat-{i}" for i in range(categories)]
    with unit_of_work():
        for i, slug in enumerate(slugs):
            category = Category(slug=slug, name=f"类型{i}", description="测试" * 10, sort_order=i)
            db.session.add(category)
        db.session.flush()
        items = [q for slug in slugs for q in question_items(slug, per_category)]
        sync_questions(items, Counter())
    return slugs


def correct_ids(question_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(QuestionOption.public_id).where(
                QuestionOption.question_id == question_id, QuestionOption.is_correct.is_(True)
            )
        )
    )


def wrong_ids(question_id: int) -> list[str]:
    options = db.session.scalars(
        select(QuestionOption.public_id).where(
            QuestionOption.question_id == question_id, QuestionOption.is_correct.is_(False)
        )
    ).all()
    return [options[0]]


def answers(session: dict, right: int | None = None) -> list[dict]:
    """Answers to every question: the first `right` correct (all when None), then wrong."""
    out = []
    for index, question in enumerate(session["questions"]):
        good = right is None or index < right
        ids = correct_ids(question["id"]) if good else wrong_ids(question["id"])
        out.append({"question_id": question["id"], "option_ids": ids})
    return out


def start(client, headers, mode, category=None, status=201):
    body = {"mode": mode} if category is None else {"mode": mode, "category": category}
    response = client.post(SESSIONS, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


# ---- a station's world (administration) ------------------------------------------------


@dataclass
class StationWorld:
    """A town with a street below it, watched by `officer` (a station admin of the town);
    another street watched by `stranger`. `promoter` (phone 13988880000) works in the
    street and enrolled `volunteer`; `outsider` volunteers in the other street;
    `resident` has no zone (city-wide); `admin` is city-wide. No nickname or openid
    holds a digit, nor does the phone end like an id, so a search by id finds only that
    user."""

    town: Any
    street: Any
    other: Any
    admin: Any
    officer: Any
    stranger: Any
    promoter: Any
    volunteer: Any
    outsider: Any
    resident: Any


def station_world() -> StationWorld:
    town = ZoneFactory(name="白沙路街道", kind="town")
    street = ZoneFactory(name="白沙社区", kind="community", parent_id=town.id)
    other = ZoneFactory(name="宗汉街道")
    officer = UserFactory(roles=["station_admin"], nickname="白沙派出所", openid="o-officer")
    RoleZoneFactory(user=officer, zone=town, role="station_admin")
    stranger = UserFactory(roles=["station_admin"], nickname="宗汉派出所", openid="o-stranger")
    RoleZoneFactory(user=stranger, zone=other, role="station_admin")
    promoter = PromoterFactory(zone=street, nickname="宣传员小王", openid="o-promoter")
    PromoterApplicationFactory(user=promoter, zone=street, phone="13988880000", status="approved")
    volunteer = EnrollmentFactory(
        promoter=promoter, volunteer__nickname="志愿者老李", volunteer__openid="o-volunteer"
    ).volunteer_id
    outsider = EnrollmentFactory(
        promoter=PromoterFactory(zone=other, nickname="宣传员小赵", openid="o-promoter-b"),
        volunteer__nickname="志愿者老陈",
        volunteer__openid="o-outsider",
    ).volunteer_id
    return StationWorld(
        town=town,
        street=street,
        other=other,
        admin=UserFactory(roles=["admin"], nickname="市局管理员", openid="o-admin"),
        officer=officer,
        stranger=stranger,
        promoter=promoter,
        volunteer=db.session.get(User, volunteer),
        outsider=db.session.get(User, outsider),
        resident=UserFactory(nickname="居民小张", openid="o-resident"),
    )


# ---- the console through the Flask test client -----------------------------------------


# A console app for the Flask test client: a session secret, CSRF off (browser tests keep it).
CONSOLE_APP = {"SECRET_KEY": "console-test-secret-0123456789abcdef", "WTF_CSRF_ENABLED": False}


def console_app(app_factory, *, csrf: bool = False, **overrides):
    """An app for console tests (CSRF off unless `csrf`: browsers send the token)."""
    return app_factory(**{**CONSOLE_APP, "WTF_CSRF_ENABLED": csrf}, **overrides)


QUESTION_HEADER = ["题目编号", "诈骗类型", "题型", "题干", "选项A", "选项B", "选项C", "选项D"]
QUESTION_HEADER += ["答案", "解析", "关联文章"]


def question_csv(rows: list[list[str]]) -> bytes:
    """A question bank spreadsheet as the import takes it (CSV, UTF-8 with BOM)."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([QUESTION_HEADER, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def csrf_token_of(response) -> str:
    """The CSRF token a console page carries (Flask-WTF's `csrf_token`), in a form or in
    the htmx headers of its body."""
    text = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', text) or re.search(
        r'"X-CSRFToken": "([^"]+)"', text
    )
    assert match, "the page carries no CSRF token"
    return match.group(1)


def console_client(app, officer_id: int):
    """A test client signed in to the console as `officer_id` (by its session cookie, as
    the sign-in page sets it), for page tests that are not about signing in. Use it
    without holding an app context across requests: each request needs its own `g`."""
    from tests.browser.support import console_session_cookie

    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], console_session_cookie(app, officer_id))
    return client


def console_sign_in(client, user: User) -> None:
    """Give the test client a console session for `user` (no sign-in form)."""
    from miniapp_api.console.auth import OFFICER_KEY, SIGNED_IN_KEY
    from miniapp_api.timeutil import utcnow

    with client.application.app_context():
        signed_in_at = utcnow().timestamp()
    with client.session_transaction("/console/") as session:
        session[OFFICER_KEY], session[SIGNED_IN_KEY] = user.id, signed_in_at
        session.permanent = True


def console_csrf(client, path: str = "/console/audit") -> str:
    """The CSRF token a console page hands its forms (every page carries it for htmx)."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)
