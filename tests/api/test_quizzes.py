"""Quizzes through HTTP: every mode end to end, scoring once, points, anti-abuse."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles.models import PUBLISHED, Article
from miniapp_api.categories.models import Category
from miniapp_api.content.questions import sync_questions
from miniapp_api.points.models import PointsEntry
from miniapp_api.quizzes.checks import SINGLE
from miniapp_api.quizzes.models import Question, QuestionOption, QuizSession, SessionQuestion
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from tests.helpers import (
    SESSIONS,
    answers,
    assert_error,
    correct_ids,
    make_bank,
    start,
    wrong_ids,
)


@pytest.fixture
def app(app_factory):
    """Tests answer instantly: no "too fast" flag unless a test asks for it."""
    return app_factory(QUIZ_MIN_SECONDS_PER_QUESTION=0)


def submit(client, headers, session_id, payload, key=None):
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(
        f"{SESSIONS}/{session_id}/submit", json={"answers": payload}, headers=headers
    )


def ledger(user_id: int) -> list[tuple[str, str, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.ref, PointsEntry.delta)
        .where(PointsEntry.user_id == user_id)
        .order_by(PointsEntry.id)
    )
    return [tuple(row) for row in rows]


def balance(user_id: int) -> int:
    db.session.expire_all()
    return db.session.get(User, user_id).points_balance


def test_modes_list_daily_topics_challenge_and_review(client, make_user, auth_headers):
    """GET /quizzes: daily, one topic per category with questions, challenge, review."""
    make_bank(categories=2, per_category=4)
    db.session.add(Category(slug="empty", name="空", description="没有题目" * 5))
    db.session.commit()
    body = client.get("/api/v1/quizzes", headers=auth_headers(make_user())).get_json()
    modes = [(item["mode"], (item["category"] or {}).get("slug")) for item in body["items"]]
    assert modes == [
        ("daily", None),
        ("topic", "cat-0"),
        ("topic", "cat-1"),
        ("challenge", None),
        ("review", None),
    ]
    daily, topic, challenge, review = (body["items"][i] for i in (0, 1, 3, 4))
    assert (daily["question_count"], daily["time_limit_seconds"], daily["earns_points"]) == (
        5,
        600,
        True,
    )
    assert topic["question_count"] == 4
    assert (challenge["question_count"], challenge["time_limit_seconds"]) == (20, 30)
    assert (review["question_count"], review["mistake_count"], review["earns_points"]) == (
        0,
        0,
        False,
    )
    assert_error(client.get("/api/v1/quizzes"), 401, "UNAUTHORIZED")


def test_daily_pays_once_a_day_then_is_practice(client, make_user, auth_headers):
    """Daily: 5 questions across categories; all right earns 5 + 3 once; again: practice."""
    make_bank(categories=6, per_category=3)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "daily")
    assert len(session["questions"]) == 5 and session["mode"] == "daily"
    assert len({q["category"]["slug"] for q in session["questions"]}) == 5
    assert len({q["id"] for q in session["questions"]}) == 5
    response = submit(client, headers, session["id"], answers(session))
    result = response.get_json()
    assert response.status_code == 200, result
    assert (result["score"], result["correct_count"], result["total"]) == (100, 5, 5)
    assert result["points_awarded"] == 8 and result["points_note"] is None
    assert all(r["correct"] for r in result["results"])
    assert ledger(user.id) == [("daily_quiz", daily_ref(session["id"]), 8)]

    again = start(client, headers, "daily")
    practice = submit(client, headers, again["id"], answers(again)).get_json()
    assert (practice["correct_count"], practice["points_awarded"]) == (5, 0)
    assert practice["points_note"] == "今天的每日答题积分已经领取，本次为练习"
    assert balance(user.id) == 8
    modes = client.get("/api/v1/quizzes", headers=headers).get_json()["items"]
    assert modes[0]["earns_points"] is False


def daily_ref(session_id: str) -> str:
    """The ledger ref of a daily quiz: the local date it counted for."""
    db.session.expire_all()
    return db.session.get(QuizSession, session_id).daily_date.isoformat()


def test_daily_partial_score_pays_per_right_answer_without_bonus(client, make_user, auth_headers):
    """3 of 5 right: 3 points, score 60; unanswered questions count as wrong."""
    make_bank(categories=5, per_category=2)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "daily")
    result = submit(client, headers, session["id"], answers(session, right=3)[:4]).get_json()
    assert (result["score"], result["correct_count"], result["points_awarded"]) == (60, 3, 3)
    assert [r["correct"] for r in result["results"]] == [True, True, True, False, False]
    assert result["results"][4]["chosen_option_ids"] == []


def test_topic_session_scores_and_shows_solutions(client, make_user, auth_headers):
    """Topic: 10 from one category; results carry the right options, why, and the article."""
    make_bank(categories=2, per_category=12)
    category = db.session.scalar(select(Category).where(Category.slug == "cat-1"))
    article = Article(
        slug="cat-1-article",
        title="案例",
        category_id=category.id,
        summary="一个案例的摘要，十个字以上。",
        body_markdown="正文",
        body_html="<p>正文</p>",
        status=PUBLISHED,
        published_at=utcnow() - timedelta(days=1),
        source="file",
    )
    db.session.add(article)
    db.session.commit()
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "topic", "cat-1")
    assert len(session["questions"]) == 10
    assert {q["category"]["slug"] for q in session["questions"]} == {"cat-1"}
    assert session["category"] == {"slug": "cat-1", "name": "类型1"}
    result = submit(client, headers, session["id"], answers(session, right=6)).get_json()
    assert (result["correct_count"], result["score"], result["points_awarded"]) == (6, 60, 6)
    first = result["results"][0]
    question_id = session["questions"][0]["id"]
    assert first["question_id"] == question_id
    assert sorted(first["correct_option_ids"]) == sorted(correct_ids(question_id))
    assert first["explanation"].startswith("解析 cat-1-")
    assert {r["article_id"] for r in result["results"]} == {article.id}
    assert ledger(user.id) == [("quiz", f"quiz-session:{session['id']}", 6)]
    shown = client.get(f"{SESSIONS}/{session['id']}", headers=headers).get_json()
    assert shown["status"] == "submitted" and shown["result"] == result

    other = start(client, headers, "topic", "cat-0")
    result = submit(client, headers, other["id"], answers(other, right=1)).get_json()
    assert {r["article_id"] for r in result["results"]} == {None}  # no such article


def test_topic_needs_a_known_category(client, make_user, auth_headers):
    """422 names the category field: missing, unknown, or given for daily."""
    make_bank(categories=1, per_category=3)
    headers = auth_headers(make_user())
    for body in ({"mode": "topic"}, {"mode": "topic", "category": "nope"}):
        response = client.post(SESSIONS, json=body, headers=headers)
        assert "category" in assert_error(response, 422, "VALIDATION_ERROR")["errors"]["json"]
    response = client.post(SESSIONS, json={"mode": "daily", "category": "cat-0"}, headers=headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    response = client.post(SESSIONS, json={"mode": "weekly"}, headers=headers)
    assert "mode" in assert_error(response, 422, "VALIDATION_ERROR")["errors"]["json"]


def test_topic_points_are_capped_at_twenty_a_day(client, make_user, auth_headers):
    """quiz points stop at the daily cap of 20; the note says why."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    earned = []
    for _ in range(3):
        session = start(client, headers, "topic", "cat-0")
        result = submit(client, headers, session["id"], answers(session)).get_json()
        earned.append((result["points_awarded"], result["points_note"]))
    assert earned == [(10, None), (10, None), (0, "已达到今日答题积分上限")]
    assert balance(user.id) == 20


def challenge_answer(client, headers, session_id, question_id, right=True, key=None):
    ids = correct_ids(question_id) if right else wrong_ids(question_id)
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(
        f"{SESSIONS}/{session_id}/answer",
        json={"question_id": question_id, "option_ids": ids},
        headers=headers,
    )


def test_challenge_serves_one_at_a_time_until_the_first_wrong(client, make_user, auth_headers):
    """Challenge: one question at a time with its own deadline; a wrong answer ends it."""
    make_bank(categories=3, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "challenge")
    assert len(session["questions"]) == 1
    current = session["questions"][0]
    assert session["current_question_id"] == current["id"]
    assert current["deadline_at"] == session["expires_at"]
    seen = [current["id"]]
    for n in range(1, 4):
        step = challenge_answer(client, headers, session["id"], current["id"]).get_json()
        assert step["correct"] is True and step["finished"] is False, step
        assert step["correct_count"] == n and step["result"] is None
        assert sorted(step["correct_option_ids"]) == sorted(correct_ids(current["id"]))
        current = step["next_question"]
        assert current["id"] not in seen and current["deadline_at"] == step["expires_at"]
        seen.append(current["id"])
        shown = client.get(f"{SESSIONS}/{session['id']}", headers=headers).get_json()
        assert [q["id"] for q in shown["questions"]] == seen
    last = challenge_answer(client, headers, session["id"], current["id"], right=False).get_json()
    assert last["correct"] is False and last["finished"] is True and last["next_question"] is None
    result = last["result"]
    assert (result["correct_count"], result["total"], result["points_awarded"]) == (3, 4, 3)
    assert [r["question_id"] for r in result["results"]] == seen
    assert ledger(user.id) == [("quiz", f"quiz-session:{session['id']}", 3)]
    again = challenge_answer(client, headers, session["id"], current["id"])
    assert_error(again, 409, "ALREADY_SUBMITTED")
    assert_error(submit(client, headers, session["id"], []), 409, "ALREADY_SUBMITTED")


def test_challenge_ends_after_twenty_right(client, make_user, auth_headers):
    """Twenty right answers end the run with 20 points."""
    make_bank(categories=3, per_category=9)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "challenge")
    question = session["questions"][0]
    for _ in range(20):
        step = challenge_answer(client, headers, session["id"], question["id"]).get_json()
        question = step["next_question"]
    assert step["finished"] is True and question is None
    assert (step["result"]["correct_count"], step["result"]["points_awarded"]) == (20, 20)
    assert balance(user.id) == 20


def test_challenge_late_answer_ends_the_run(client, make_user, auth_headers, clock):
    """An answer after the question's deadline (and its grace) counts as wrong; earlier
    ones still pay."""
    make_bank(categories=2, per_category=6)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "challenge")
    question = session["questions"][0]
    for _ in range(2):
        clock.advance(seconds=10)
        question = challenge_answer(client, headers, session["id"], question["id"]).get_json()[
            "next_question"
        ]
    clock.advance(seconds=30 + 6)
    step = challenge_answer(client, headers, session["id"], question["id"]).get_json()
    assert step["timed_out"] is True and step["correct"] is False and step["finished"] is True
    assert step["chosen_option_ids"] == []
    assert (step["result"]["correct_count"], step["result"]["points_awarded"]) == (2, 2)


def test_challenge_rules(client, make_user, auth_headers):
    """Only the current question; submit ends the run early; daily sessions have no answer."""
    make_bank(categories=2, per_category=6)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "challenge")
    first = session["questions"][0]["id"]
    step = challenge_answer(client, headers, session["id"], first).get_json()
    assert_error(challenge_answer(client, headers, session["id"], first), 409, "ALREADY_ANSWERED")
    replay_key = "answer-1"
    second = step["next_question"]["id"]
    reply = challenge_answer(client, headers, session["id"], second, key=replay_key)
    again = challenge_answer(client, headers, session["id"], second, key=replay_key)
    assert reply.status_code == again.status_code == 200
    assert reply.get_json() == again.get_json()
    changed = challenge_answer(client, headers, session["id"], second, False, key=replay_key)
    assert_error(changed, 422, "IDEMPOTENCY_KEY_REUSED")
    unserved = db.session.scalar(
        select(SessionQuestion.question_id).where(
            SessionQuestion.session_id == session["id"], SessionQuestion.served_at.is_(None)
        )
    )
    assert_error(
        challenge_answer(client, headers, session["id"], unserved), 422, "VALIDATION_ERROR"
    )
    bad = submit(client, headers, session["id"], [{"question_id": first, "option_ids": []}])
    assert_error(bad, 422, "VALIDATION_ERROR")
    result = submit(client, headers, session["id"], []).get_json()
    assert (result["correct_count"], result["total"], result["points_awarded"]) == (2, 3, 2)
    assert result["results"][-1]["correct"] is False

    daily = start(client, headers, "daily")
    response = challenge_answer(client, headers, daily["id"], daily["questions"][0]["id"])
    assert_error(response, 409, "NOT_CHALLENGE")


def test_review_draws_mistakes_and_earns_nothing(client, make_user, auth_headers):
    """Wrong answers fill the mistakes book; review draws them; a right answer clears one."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    assert_error(
        client.post(SESSIONS, json={"mode": "review"}, headers=headers), 409, "NO_MISTAKES"
    )
    session = start(client, headers, "topic", "cat-0")
    submit(client, headers, session["id"], answers(session, right=7))
    wrong = {q["id"] for q in session["questions"][7:]}
    book = client.get("/api/v1/me/mistakes", headers=headers).get_json()
    assert book["total"] == 3 and {item["question_id"] for item in book["items"]} == wrong
    item = book["items"][0]
    assert item["correct"] is False
    assert sorted(item["correct_option_ids"]) == sorted(correct_ids(item["question_id"]))
    assert item["stem"] and item["explanation"] and len(item["options"]) >= 2

    review = start(client, headers, "review")
    assert {q["id"] for q in review["questions"]} == wrong
    payload = answers(review, right=1)
    result = submit(client, headers, review["id"], payload).get_json()
    assert result["points_awarded"] == 0 and result["points_note"] == "错题复习不计积分"
    book = client.get("/api/v1/me/mistakes", headers=headers).get_json()
    assert {item["question_id"] for item in book["items"]} == wrong - {payload[0]["question_id"]}
    assert balance(user.id) == 7


def test_draws_prefer_unseen_and_wrong_questions(client, make_user, auth_headers):
    """With 20 questions, a second topic session of 10 draws the 10 not seen yet; then
    the ones answered wrong come before ones answered right."""
    make_bank(categories=1, per_category=20)
    headers = auth_headers(make_user())
    first = start(client, headers, "topic", "cat-0")
    submit(client, headers, first["id"], answers(first, right=10))
    second = start(client, headers, "topic", "cat-0")
    first_ids = {q["id"] for q in first["questions"]}
    assert not first_ids & {q["id"] for q in second["questions"]}
    submit(client, headers, second["id"], answers(second, right=5))
    wrong = {q["id"] for q in second["questions"][5:]}
    third = start(client, headers, "topic", "cat-0")
    assert wrong <= {q["id"] for q in third["questions"]}


FORBIDDEN_KEYS = {
    "is_correct",
    "correct",
    "correct_option_ids",
    "explanation",
    "answer",
    "answers",
    "key",
    "article",
    "article_id",
    "results",
    "score",
    "correct_count",
}


def walk(value, path="$"):
    """Every (path, key, leaf value) of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def assert_no_answer_in(body: dict, secrets: set[str]) -> None:
    for path, key, value in walk(body):
        if key == "result":
            assert value is None, path
            continue
        assert key not in FORBIDDEN_KEYS, f"{path}.{key}"
        if isinstance(value, str):
            assert value not in secrets, f"{path}.{key} reveals {value}"
            assert not any(secret in value for secret in secrets if len(secret) > 8), path


def test_no_response_before_submission_reveals_an_answer(client, make_user, auth_headers):
    """Walk every field of every pre-submit response: no correctness, no explanation,
    no option key, and option order and ids uncorrelated with the answer."""
    make_bank(categories=3, per_category=12)
    user = make_user()
    headers = auth_headers(user)
    explanations = {q.explanation for q in db.session.scalars(select(Question))}
    right_positions = Counter()
    for mode, category in (("daily", None), ("topic", "cat-2"), ("challenge", None)):
        for _ in range(4):
            created = start(client, headers, mode, category)
            shown = client.get(f"{SESSIONS}/{created['id']}", headers=headers).get_json()
            for body in (created, shown):
                assert_no_answer_in(body, explanations)
                assert body["status"] == "open" and body["result"] is None
            for question in created["questions"]:
                assert set(question) == {
                    "id",
                    "position",
                    "type",
                    "stem",
                    "category",
                    "options",
                    "deadline_at",
                }
                assert all(set(option) == {"id", "text"} for option in question["options"])
                right = set(correct_ids(question["id"]))
                if question["type"] == SINGLE:
                    ids = [option["id"] for option in question["options"]]
                    right_positions[next(i for i, x in enumerate(ids) if x in right)] += 1
            if mode == "challenge":
                step = challenge_answer(
                    client, headers, created["id"], created["questions"][0]["id"]
                ).get_json()
                assert_no_answer_in(step["next_question"], explanations)
            submit(client, headers, created["id"], [])
    # Single-choice answers sit in different places: order is shuffled per session.
    assert len(right_positions) >= 3, right_positions
    public_ids = db.session.scalars(select(QuestionOption.public_id)).all()
    assert all(len(pid) == 12 and not pid.isdigit() for pid in public_ids)


def test_double_submit_is_already_submitted_and_credits_once(client, make_user, auth_headers):
    """A second submit is ALREADY_SUBMITTED; replaying the first key with the same answers
    returns the first result, with other answers IDEMPOTENCY_KEY_REUSED (defect 14)."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "topic", "cat-0")
    first = submit(client, headers, session["id"], answers(session), key="sub-1")
    assert first.status_code == 200
    replay = submit(client, headers, session["id"], answers(session), key="sub-1")
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    changed = submit(client, headers, session["id"], answers(session, right=0), key="sub-1")
    assert_error(changed, 422, "IDEMPOTENCY_KEY_REUSED")
    assert_error(submit(client, headers, session["id"], answers(session)), 409, "ALREADY_SUBMITTED")
    other_key = submit(client, headers, session["id"], answers(session), key="sub-2")
    assert_error(other_key, 409, "ALREADY_SUBMITTED")
    assert ledger(user.id) == [("quiz", f"quiz-session:{session['id']}", 10)]


def test_late_submit_is_expired_and_earns_nothing(client, make_user, auth_headers, clock):
    """After expires_at (and the grace) a submit is SESSION_EXPIRED and pays nothing."""
    make_bank(categories=5, per_category=2)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "daily")
    clock.advance(seconds=5 * 120 + 6)  # five questions of two minutes, then the grace
    response = submit(client, headers, session["id"], answers(session))
    assert_error(response, 409, "SESSION_EXPIRED")
    assert ledger(user.id) == []
    shown = client.get(f"{SESSIONS}/{session['id']}", headers=headers).get_json()
    assert shown["status"] == "expired" and shown["result"] is None
    fresh = start(client, headers, "daily")  # the day's points are still available
    assert submit(client, headers, fresh["id"], answers(fresh)).get_json()["points_awarded"] == 8


def test_other_users_session_is_not_found(client, make_user, auth_headers):
    """Someone else's session: 404 for reading, answering and submitting."""
    make_bank(categories=2, per_category=6)
    owner, other = make_user(), make_user()
    session = start(client, auth_headers(owner), "challenge")
    headers = auth_headers(other)
    url = f"{SESSIONS}/{session['id']}"
    assert_error(client.get(url, headers=headers), 404, "NOT_FOUND")
    assert_error(submit(client, headers, session["id"], []), 404, "NOT_FOUND")
    question_id = session["questions"][0]["id"]
    assert_error(challenge_answer(client, headers, session["id"], question_id), 404, "NOT_FOUND")
    assert_error(client.get(f"{SESSIONS}/no-such-session", headers=headers), 404, "NOT_FOUND")


def test_answers_outside_the_session_are_rejected(client, make_user, auth_headers):
    """Questions not in the session, foreign options, two options for single choice,
    the same question twice: 422 naming each bad answer, and nothing is scored."""
    make_bank(categories=1, per_category=20)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "topic", "cat-0")
    other = start(client, headers, "topic", "cat-0")
    mine = answers(session)
    single = next(q for q in session["questions"][2:] if q["type"] == SINGLE)
    payload = [
        answers(other)[0],
        {"question_id": mine[0]["question_id"], "option_ids": answers(other)[1]["option_ids"]},
        {"question_id": single["id"], "option_ids": [o["id"] for o in single["options"][:2]]},
        mine[1],
        mine[1],
    ]
    response = submit(client, headers, session["id"], payload)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["errors"]["json"]["answers"] == {
        "0": {"question_id": ["这道题不在本次答题中"]},
        "1": {"option_ids": ["选项不属于这道题"]},
        "2": {"option_ids": ["这道题只能选一个选项"]},
        "4": {"question_id": ["同一道题只能回答一次"]},
    }
    malformed = submit(client, headers, session["id"], [{"question_id": "1", "option_ids": "x"}])
    assert_error(malformed, 422, "VALIDATION_ERROR")
    assert submit(client, headers, session["id"], mine).status_code == 200


def test_too_many_open_sessions(app_factory, make_user, auth_headers):
    """More than QUIZ_MAX_OPEN_SESSIONS unfinished sessions: 409; submitting frees a slot."""
    app = app_factory(QUIZ_MAX_OPEN_SESSIONS=2, QUIZ_MIN_SECONDS_PER_QUESTION=0)
    client = app.test_client()
    with app.app_context():
        make_bank(categories=1, per_category=10)
        user = make_user()
    headers = auth_headers(user)
    first = start(client, headers, "topic", "cat-0")
    start(client, headers, "challenge")
    response = client.post(SESSIONS, json={"mode": "daily"}, headers=headers)
    assert_error(response, 409, "TOO_MANY_OPEN_SESSIONS")
    submit(client, headers, first["id"], [])
    start(client, headers, "daily")


def test_session_creation_is_rate_limited(app_factory, make_user, auth_headers):
    """Past QUIZ_SESSION_RATE_LIMIT per user: 429 RATE_LIMITED with Retry-After."""
    app = app_factory(
        RATELIMIT_ENABLED=True, QUIZ_SESSION_RATE_LIMIT="3 per minute", QUIZ_MAX_OPEN_SESSIONS=10
    )
    client = app.test_client()
    with app.app_context():
        make_bank(categories=1, per_category=10)
        user, other = make_user(), make_user()
    for _ in range(3):
        start(client, auth_headers(user), "topic", "cat-0")
    response = client.post(SESSIONS, json={"mode": "daily"}, headers=auth_headers(user))
    assert_error(response, 429, "RATE_LIMITED")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    start(client, auth_headers(other), "daily")  # counted per user


def test_too_fast_session_is_scored_flagged_and_unpaid(app_factory, make_user, auth_headers, clock):
    """Answering faster than QUIZ_MIN_SECONDS_PER_QUESTION: scored, flagged, no points;
    it still uses up the day's daily quiz."""
    app = app_factory(QUIZ_MIN_SECONDS_PER_QUESTION=3)
    client = app.test_client()
    with app.app_context():
        make_bank(categories=5, per_category=2)
        user = make_user()
        user_id, headers = user.id, auth_headers(user)
    session = start(client, headers, "daily")
    with app.app_context():
        result = submit(client, headers, session["id"], answers(session)).get_json()
        assert ledger(user_id) == []
    assert (result["correct_count"], result["flagged"], result["points_awarded"]) == (5, True, 0)
    assert result["points_note"] == "答题速度异常，本次成绩不计积分"
    slow = start(client, headers, "daily")
    clock.advance(seconds=60)
    with app.app_context():
        result = submit(client, headers, slow["id"], answers(slow)).get_json()
    assert result["flagged"] is False and result["points_awarded"] == 0
    assert result["points_note"] == "今天的每日答题积分已经领取，本次为练习"


def test_sessions_are_in_the_data_export(client, make_user, auth_headers):
    """GET /me/export lists the caller's quiz sessions."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "topic", "cat-0")
    submit(client, headers, session["id"], answers(session, right=4))
    export = client.get("/api/v1/me/export", headers=headers).get_json()
    assert [(s["id"], s["correct_count"]) for s in export["quiz_sessions"]] == [(session["id"], 4)]


def test_the_shipped_bank_plays_end_to_end(client, make_user, auth_headers):
    """The real content/quizzes bank: a daily and a topic session of each category."""
    from miniapp_api.config import PROJECT_ROOT
    from miniapp_api.content.files import load_categories
    from miniapp_api.content.questions import load_question_bank

    categories = load_categories(PROJECT_ROOT / "content" / "categories.yaml")
    bank = load_question_bank(PROJECT_ROOT / "content" / "quizzes", {c.slug for c in categories})
    with unit_of_work():
        for item in categories:
            db.session.add(Category(slug=item.slug, name=item.name, description=item.description))
        db.session.flush()
        sync_questions(bank, Counter())
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "daily")
    result = submit(client, headers, session["id"], answers(session)).get_json()
    assert result["points_awarded"] == 8
    for item in categories[:3]:
        session = start(client, headers, "topic", item.slug)
        assert len(session["questions"]) == 10
        result = submit(client, headers, session["id"], answers(session, right=5)).get_json()
        assert result["correct_count"] == 5


def test_finishing_a_quiz_qualifies_the_volunteers_recruiter(
    app_factory, make_user, auth_headers, clock
):
    """A scored, unflagged session is announced (the zones domain listens for the
    promoter's one-time `recruit_qualified` bonus); one flagged as too fast is not."""
    from miniapp_api import signals

    calls: list[int] = []

    def heard(_app, *, user_id, session_id):
        calls.append(user_id)

    app = app_factory(QUIZ_MIN_SECONDS_PER_QUESTION=3)
    signals.quiz_finished.connect(heard, sender=app)
    client = app.test_client()
    with app.app_context():
        make_bank(categories=1, per_category=10)
        user = make_user()
        user_id, headers = user.id, auth_headers(user)
        fast = start(client, headers, "topic", "cat-0")
        submit(client, headers, fast["id"], answers(fast))
        assert calls == []
        slow = start(client, headers, "topic", "cat-0")
        clock.advance(minutes=5)
        submit(client, headers, slow["id"], answers(slow))
    assert calls == [user_id]
