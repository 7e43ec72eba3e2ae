"""/console/quizzes through the Flask test client: filtering the bank, editing and
retiring a question, importing a spreadsheet (a bad row: nothing imported, the row's
problems in a table), item statistics with their flags; a station admin reads only."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.quizzes.models import AnswerChoice, Question, SessionQuestion
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.factories import CategoryFactory, QuestionFactory, QuizSessionFactory, UserFactory
from tests.helpers import console_app, console_client, question_csv, station_world

GOOD = ["imp-01", "fake-police", "单选", "陌生人让你共享屏幕，怎么办？", "照做", "拒绝并挂断"]
GOOD += ["", "", "B", "共享屏幕会泄露验证码和银行信息。", ""]
BAD = ["imp-02", "no-such-type", "单选", "题干内容", "甲", "乙", "", "", "C", "解析内容", ""]


@pytest.fixture
def app(app_factory):
    return console_app(app_factory, QUIZ_STATS_MIN_ANSWERS=3)


@pytest.fixture
def world(app_ctx):
    return station_world()


@pytest.fixture
def category(app_ctx):
    return CategoryFactory(slug="fake-police", name="冒充公检法")


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def upload(client, data: bytes, name: str = "bank.csv"):
    return client.post("/console/quizzes/import", data={"file": (io.BytesIO(data), name)})


def test_the_bank_is_filtered_by_type_status_and_text(app, world, category):
    QuestionFactory(key="police-1", category=category, stem="冒充警察来电要求转账怎么办？")
    QuestionFactory(key="shop-1", stem="刷单返利靠谱吗？", status="retired")
    client = console_client(app, world.admin.id)
    html = client.get("/console/quizzes?category=fake-police").get_data(as_text=True)
    assert "police-1" in html and "shop-1" not in html
    html = client.get("/console/quizzes?status=retired").get_data(as_text=True)
    assert "shop-1" in html and "police-1" not in html
    assert "shop-1" in client.get("/console/quizzes?q=刷单").get_data(as_text=True)


def test_an_import_with_a_bad_row_shows_the_row_and_imports_nothing(app, world, category):
    client = console_client(app, world.admin.id)
    answer = upload(client, question_csv([GOOD, BAD]))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "没有导入任何题目" in html
    rows = html.split('id="import-error-rows"', 1)[1].split("</tbody>", 1)[0]
    assert "第 3 行" in rows and "诈骗类型（category）" in rows and "未知的诈骗类型" in rows
    assert "answer" in rows and "第 2 行" not in rows
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    assert audit("question.import") == []

    answer = upload(client, question_csv([GOOD]))
    assert answer.status_code == 302
    assert db.session.scalar(select(Question).where(Question.key == "imp-01")).answer == ["b"]
    assert audit("question.import")[0].via == "console"
    assert "请选择" in upload(client, b"", "").get_data(as_text=True)


def test_an_admin_edits_and_retires_a_question(app, world, category):
    question = QuestionFactory(key="police-1", category=category)
    client = console_client(app, world.admin.id)
    page = client.get(f"/console/quizzes/{question.id}").get_data(as_text=True)
    assert "police-1" in page and "作答统计" in page
    form = {
        "category": "fake-police",
        "type": "single",
        "stem": "接到自称公安的电话说你涉嫌洗钱，应该怎么做？",
        "option_a": "按对方要求转账",
        "option_b": "挂断后拨打 110 核实",
        "answer": ["b"],
        "explanation": "公安机关不会通过电话要求转账，挂断后拨打 110 核实。",
        "article": "",
    }
    assert client.post(f"/console/quizzes/{question.id}", data=form).status_code == 302
    db.session.refresh(question)
    assert question.answer == ["b"] and len(question.options) == 2
    assert audit("question.update")[0].via == "console"

    wrong = client.post(f"/console/quizzes/{question.id}", data={**form, "answer": ["c"]})
    assert wrong.status_code == 422 and 'class="error"' in wrong.get_data(as_text=True)
    client.post(f"/console/quizzes/{question.id}/retire")
    db.session.refresh(question)
    assert question.status == "retired" and audit("question.retire")[0].via == "console"


def answered(question: Question, right: bool, users: list) -> None:
    now = utcnow()
    for user in users:
        session = QuizSessionFactory(
            user=user, questions=[], started_at=now - timedelta(minutes=5), submitted_at=now
        )
        option = next(o for o in question.options if o.is_correct == right)
        row = SessionQuestion(
            question=question, position=0, served_at=now, graded_at=now, correct=right,
            answered_at=now,
        )  # fmt: skip
        row.choices.append(AnswerChoice(option=option))
        session.questions.append(row)
    db.session.commit()


def test_item_statistics_show_their_flags(app, world, category):
    easy = QuestionFactory(key="easy-1", category=category)
    hard = QuestionFactory(key="hard-1", category=category)
    quiet = QuestionFactory(key="quiet-1", category=category)
    users = [UserFactory() for _ in range(3)]
    answered(easy, True, users)
    answered(hard, False, users)
    client = console_client(app, world.officer.id)  # station admins read the statistics
    html = client.get("/console/quizzes/stats").get_data(as_text=True)
    assert "过易" in html and "过难" in html and "100%" in html
    flagged = client.get("/console/quizzes/stats?flagged=1").get_data(as_text=True)
    assert "easy-1" in flagged and "hard-1" in flagged and quiet.key not in flagged
    page = client.get(f"/console/quizzes/{easy.id}").get_data(as_text=True)
    assert "过易" in page and "选择次数" in page


def test_a_station_admin_reads_the_bank_but_cannot_change_it(app, world, category):
    question = QuestionFactory(key="police-1", category=category)
    client = console_client(app, world.officer.id)
    html = client.get("/console/quizzes").get_data(as_text=True)
    assert "police-1" in html and "导入题库" not in html
    page = client.get(f"/console/quizzes/{question.id}").get_data(as_text=True)
    assert "disabled" in page and "停用题目" not in page
    assert upload(client, question_csv([GOOD])).status_code == 302
    assert client.post(f"/console/quizzes/{question.id}/retire").status_code == 302
    db.session.refresh(question)
    assert question.status == "active"
    assert db.session.scalar(select(func.count()).select_from(Question)) == 1


def test_a_file_named_in_chinese_imports(app, world, category):
    client = console_client(app, world.admin.id)
    assert upload(client, question_csv([GOOD]), "慈溪题库.csv").status_code == 302
    assert db.session.scalar(select(Question).where(Question.key == "imp-01")) is not None
