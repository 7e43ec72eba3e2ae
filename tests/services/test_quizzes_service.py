"""The quiz use cases called directly (no HTTP): starting a session, submitting it once,
answering a challenge; each is one unit of work, so a failure writes nothing."""

import pytest
from sqlalchemy import func, select

from miniapp_api.errors import IdempotencyKeyReused, NotFound, ValidationFailed
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.quizzes import service
from miniapp_api.quizzes.models import (
    CHALLENGE,
    DAILY,
    AnswerChoice,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.quizzes.schemas import QuizSessionSchema
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.factories import QuestionFactory, QuizSessionFactory, UserFactory


@pytest.fixture
def app(app_factory):
    return app_factory(QUIZ_MAX_OPEN_SESSIONS=2)


def right(row: SessionQuestion) -> dict:
    return {"question_id": row.question_id, "option_ids": row.correct_option_ids}


def wrong(row: SessionQuestion) -> dict:
    ids = [option.public_id for option in row.question.options if not option.is_correct]
    return {"question_id": row.question_id, "option_ids": ids[:1]}


def ledger(user_id: int) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.ref, PointsEntry.delta)
        .where(PointsEntry.user_id == user_id)
        .order_by(PointsEntry.id)
    )
    return [tuple(row) for row in rows]


def session_user(session: QuizSession) -> User:
    return db.session.get(User, session.user_id)


def fresh(session_id: str) -> QuizSession:
    db.session.expire_all()
    return db.session.get(QuizSession, session_id)


def assert_untouched(session_id: str) -> None:
    """The session as it was drawn: not submitted, nothing graded, nothing chosen."""
    session = fresh(session_id)
    assert session.submitted_at is None and session.daily_date is None
    assert (session.score, session.correct_count, session.points_awarded) == (None, None, 0)
    assert session.submit_idempotency_key is None and session.points_note is None
    for row in session.questions:
        assert (row.answered_at, row.graded_at, row.correct, row.choices) == (None, None, None, [])
    assert db.session.scalar(select(func.count()).select_from(AnswerChoice)) == 0


# ---- start_session ---------------------------------------------------------------------


def test_start_session_draws_server_side_and_reveals_nothing(app_ctx, clock):
    """A topic session of 10 from the category's 12, saved with its deadline; its
    state is open, with no result, and its dump carries no answer."""
    user = UserFactory()
    QuestionFactory.create_batch(12)
    state = service.start_session(user, "topic", "quiz-factory")
    db.session.expire_all()
    session = db.session.scalars(select(QuizSession)).one()
    assert (session.id, session.user_id, session.total) == (state.session.id, user.id, 10)
    assert session.started_at == clock.now()
    assert (session.expires_at - session.started_at).total_seconds() == 10 * 120
    assert (state.status, state.result) == ("open", None)
    assert len({row.question_id for row in session.served_questions}) == 10
    dumped = QuizSessionSchema().dump(state)
    assert dumped["result"] is None and len(dumped["questions"]) == 10
    for question in dumped["questions"]:
        assert set(question) == {"id", "position", "type", "stem", "category", "options"} | {
            "deadline_at"
        }
        assert all(set(option) == {"id", "text"} for option in question["options"])


def test_start_session_refusals_write_nothing(app_ctx):
    """Past the open-session cap, an empty mistakes book, an unknown category: refused,
    and no session is left behind."""
    user = UserFactory()
    QuestionFactory.create_batch(6)
    with pytest.raises(service.NoMistakes):
        service.start_session(user, "review", None)
    with pytest.raises(ValidationFailed):
        service.start_session(user, "topic", "no-such-category")
    service.start_session(user, DAILY, None)
    service.start_session(user, CHALLENGE, None)
    with pytest.raises(service.TooManyOpenSessions):
        service.start_session(user, DAILY, None)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(QuizSession)) == 2


# ---- submit -----------------------------------------------------------------------------


def test_submit_scores_once(app_ctx, clock):
    """Scored and paid once; replaying its key returns the first result; any other
    second submit is ALREADY_SUBMITTED and pays nothing more."""
    session = QuizSessionFactory()
    rows = session.questions
    clock.advance(seconds=60)
    result = service.submit(
        session_user(session), session.id, [right(rows[0]), right(rows[1])], "k1"
    )
    assert (result.session.score, result.session.correct_count, result.session.total) == (67, 2, 3)
    assert [solution.row.correct for solution in result.results] == [True, True, False]
    assert result.session.points_awarded == 2
    saved = fresh(session.id)
    assert saved.submitted_at == clock.now() and saved.submit_idempotency_key == "k1"
    assert ledger(saved.user_id) == [("quiz", f"quiz-session:{session.id}", 2)]

    replay = service.submit(
        session_user(session), session.id, [right(rows[0]), right(rows[1])], "k1"
    )
    assert (replay.session.id, replay.session.correct_count) == (session.id, 2)
    with pytest.raises(IdempotencyKeyReused):
        service.submit(session_user(session), session.id, [], "k1")
    for key in (None, "k2"):
        with pytest.raises(service.AlreadySubmitted):
            service.submit(session_user(session), session.id, [right(row) for row in rows], key)
    assert ledger(saved.user_id) == [("quiz", f"quiz-session:{session.id}", 2)]


def test_an_expired_session_scores_nothing(app_ctx, clock):
    """Past the deadline and its grace, a submit is SESSION_EXPIRED: nothing is graded
    or paid, and the session can no longer earn anything."""
    session = QuizSessionFactory()
    answers = [right(row) for row in session.questions]
    clock.advance(minutes=10, seconds=6)
    with pytest.raises(service.SessionExpired):
        service.submit(session_user(session), session.id, answers, None)
    assert_untouched(session.id)
    assert ledger(session.user_id) == []
    assert service.get_session(session_user(session), session.id).status == "expired"


def test_a_failure_after_the_writes_leaves_the_session_unchanged(app_ctx, clock, monkeypatch):
    """When paying fails after the grading and the single-submit UPDATE, the unit of
    work rolls all of it back: the session can be submitted again, and then pays."""

    def broken_award(*_args, **_kwargs):
        raise RuntimeError("the ledger is down")

    session = QuizSessionFactory()
    answers = [right(row) for row in session.questions]
    clock.advance(seconds=60)
    monkeypatch.setattr(points, "award", broken_award)
    with pytest.raises(RuntimeError):
        service.submit(session_user(session), session.id, answers, "k1")
    assert_untouched(session.id)
    assert ledger(session.user_id) == []

    monkeypatch.undo()
    result = service.submit(session_user(session), session.id, answers, "k1")
    assert (result.session.correct_count, result.session.points_awarded) == (3, 3)


def test_someone_elses_session_is_not_found(app_ctx):
    session = QuizSessionFactory()
    with pytest.raises(NotFound):
        service.submit(UserFactory(), session.id, [], None)
    with pytest.raises(NotFound):
        service.get_session(UserFactory(), session.id)
    assert_untouched(session.id)


# ---- answer (challenge) -------------------------------------------------------------------


def test_challenge_answers_serve_the_next_question_until_a_late_one(app_ctx, clock):
    """A right answer serves the next question with its own deadline; the same question
    again is ALREADY_ANSWERED; an answer after the deadline counts as wrong and ends
    the run, which pays for the right ones."""
    session = QuizSessionFactory(mode=CHALLENGE)
    user, first = session_user(session), session.questions[0]
    clock.advance(seconds=10)
    outcome = service.answer(user, session.id, first.question_id, right(first)["option_ids"], None)
    assert outcome.row.correct is True and not outcome.timed_out and not outcome.finished
    following = outcome.next_question
    assert following.position == 1 and following.served_at == clock.now()
    assert (following.deadline_at - clock.now()).total_seconds() == 30
    assert outcome.expires_at == following.deadline_at and outcome.result is None
    with pytest.raises(service.AlreadyAnswered):
        service.answer(user, session.id, first.question_id, right(first)["option_ids"], None)
    third = session.questions[2]
    with pytest.raises(ValidationFailed):  # not served yet
        service.answer(user, session.id, third.question_id, right(third)["option_ids"], None)

    clock.advance(seconds=36)
    second = fresh(session.id).questions[1]
    late = service.answer(user, session.id, second.question_id, right(second)["option_ids"], None)
    assert late.timed_out and late.row.correct is False and late.finished
    assert (late.result.session.correct_count, late.result.session.total) == (1, 2)
    assert late.result.session.points_awarded == 1
    assert ledger(user.id) == [("quiz", f"quiz-session:{session.id}", 1)]
    with pytest.raises(service.AlreadySubmitted):
        service.answer(user, session.id, second.question_id, [], None)


def test_a_wrong_challenge_answer_ends_the_run_and_replays_by_key(app_ctx, clock):
    """The first wrong answer ends the run; replaying its Idempotency-Key returns the
    same outcome; other modes have no per-question answer."""
    session = QuizSessionFactory(mode=CHALLENGE)
    user, first = session_user(session), session.questions[0]
    clock.advance(seconds=10)
    ended = service.answer(user, session.id, first.question_id, wrong(first)["option_ids"], "a1")
    assert ended.finished and ended.result.session.correct_count == 0
    assert fresh(session.id).submitted_at == clock.now()
    again = service.answer(user, session.id, first.question_id, wrong(first)["option_ids"], "a1")
    assert again.finished and again.row.id == ended.row.id and again.row.correct is False
    with pytest.raises(IdempotencyKeyReused):
        service.answer(user, session.id, first.question_id, [], "a1")
    assert ledger(user.id) == []

    topic = QuizSessionFactory(user=user)
    row = topic.questions[0]
    with pytest.raises(service.NotChallenge):
        service.answer(user, topic.id, row.question_id, right(row)["option_ids"], None)
