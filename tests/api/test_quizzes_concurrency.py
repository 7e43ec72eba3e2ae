"""Quiz races through a real HTTP server on PostgreSQL: many requests at the same moment."""

import httpx
import pytest
from sqlalchemy import func, select

from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.quizzes.models import QuizSession
from miniapp_api.storage import db
from tests.helpers import SESSIONS, answers, correct_ids, fire_at_once, make_bank, start

PARALLEL = 12


@pytest.fixture
def app(app_factory):
    return app_factory(QUIZ_MIN_SECONDS_PER_QUESTION=0, QUIZ_MAX_OPEN_SESSIONS=3)


def post_all(live_server, requests: list[tuple[str, dict, dict]]) -> list[httpx.Response]:
    """POST each (path, json, headers) on its own thread, all released together."""
    index = iter(range(len(requests)))

    def send():
        path, body, headers = requests[next(index)]
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return http.post(path, json=body, headers=headers)

    return fire_at_once(len(requests), send)


def ledger_rows(user_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.delta).where(PointsEntry.user_id == user_id)
    )
    return [tuple(row) for row in rows]


@pytest.mark.postgres
def test_parallel_submits_of_one_session_credit_once(client, live_server, make_user, auth_headers):
    """12 submits of one session at once: one result, 11 ALREADY_SUBMITTED, one credit."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "topic", "cat-0")
    body = {"answers": answers(session)}
    url = f"{SESSIONS}/{session['id']}/submit"
    responses = post_all(live_server, [(url, body, headers)] * PARALLEL)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (PARALLEL - 1), [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"ALREADY_SUBMITTED"}
    assert ledger_rows(user.id) == [("quiz", 10)]
    assert points.verify_balances() == []


@pytest.mark.postgres
def test_parallel_replays_of_one_key_return_one_result(
    client, live_server, make_user, auth_headers
):
    """The same Idempotency-Key 12 times at once: identical results, one credit."""
    make_bank(categories=1, per_category=10)
    user = make_user()
    headers = {**auth_headers(user), "Idempotency-Key": "submit-once"}
    session = start(client, headers, "topic", "cat-0")
    url = f"{SESSIONS}/{session['id']}/submit"
    responses = post_all(live_server, [(url, {"answers": answers(session)}, headers)] * PARALLEL)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert ledger_rows(user.id) == [("quiz", 10)]


@pytest.mark.postgres
def test_parallel_daily_submits_pay_once(client, live_server, make_user, auth_headers):
    """Three daily sessions submitted at the same moment: only one earns the day's points."""
    make_bank(categories=5, per_category=3)
    user = make_user()
    headers = auth_headers(user)
    sessions = [start(client, headers, "daily") for _ in range(3)]
    requests = [
        (f"{SESSIONS}/{s['id']}/submit", {"answers": answers(s)}, headers) for s in sessions
    ]
    responses = post_all(live_server, requests)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    awarded = sorted(r.json()["points_awarded"] for r in responses)
    assert awarded == [0, 0, 8]
    assert ledger_rows(user.id) == [("daily_quiz", 8)]
    db.session.expire_all()
    claimed = db.session.scalar(
        select(func.count()).where(
            QuizSession.user_id == user.id, QuizSession.daily_date.is_not(None)
        )
    )
    assert claimed == 1


@pytest.mark.postgres
def test_parallel_starts_respect_the_open_session_cap(live_server, make_user, auth_headers):
    """12 session starts at once with a cap of 3 open sessions: exactly 3 start."""
    make_bank(categories=2, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    responses = post_all(live_server, [(SESSIONS, {"mode": "daily"}, headers)] * PARALLEL)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 3, [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code != 201} == {
        "TOO_MANY_OPEN_SESSIONS"
    }
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).where(QuizSession.user_id == user.id))
    assert count == 3


@pytest.mark.postgres
def test_parallel_answers_to_one_challenge_question_grade_once(
    client, live_server, make_user, auth_headers
):
    """12 answers to the current challenge question at once: one is graded, the others
    are ALREADY_ANSWERED, and exactly one next question is served."""
    make_bank(categories=2, per_category=10)
    user = make_user()
    headers = auth_headers(user)
    session = start(client, headers, "challenge")
    question_id = session["questions"][0]["id"]
    body = {"question_id": question_id, "option_ids": correct_ids(question_id)}
    url = f"{SESSIONS}/{session['id']}/answer"
    responses = post_all(live_server, [(url, body, headers)] * PARALLEL)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (PARALLEL - 1), [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"ALREADY_ANSWERED"}
    shown = client.get(f"{SESSIONS}/{session['id']}", headers=headers).get_json()
    assert len(shown["questions"]) == 2
