"""The question bank for administrators: CRUD, spreadsheet import, item statistics."""

import csv
import io
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from miniapp_api.quizzes.models import AnswerChoice, Question, QuestionOption, SessionQuestion
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.factories import QuizSessionFactory
from tests.helpers import assert_error, make_bank

ADMIN = "/api/v1/admin"

NEW_QUESTION = {
    "key": "cat-0-new-01",
    "category": "cat-0",
    "type": "single",
    "stem": "有人打电话说你的快递丢了，要给你理赔，让你开通“备用金”，怎么办？",
    "options": [
        {"key": "a", "text": "按对方说的操作"},
        {"key": "b", "text": "挂断电话，通过购物平台官方客服核实"},
        {"key": "c", "text": "把验证码告诉对方"},
    ],
    "answer": ["b"],
    "explanation": "正规理赔不需要你开通借贷功能，先挂断，再到平台官方渠道核实。",
    "article": "cat-0-article",
}


@pytest.fixture
def admin(make_user, auth_headers):
    make_bank(categories=2, per_category=4)
    return auth_headers(make_user(roles=["admin"]))


def test_admin_creates_reads_edits_and_retires_a_question(client, admin):
    """CRUD: option ids survive a rewording; DELETE retires (never deletes)."""
    created = client.post(f"{ADMIN}/questions", json=NEW_QUESTION, headers=admin)
    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["key"], body["source"], body["status"], body["answer"]) == (
        "cat-0-new-01",
        "admin",
        "active",
        ["b"],
    )
    assert [o["is_correct"] for o in body["options"]] == [False, True, False]
    url = f"{ADMIN}/questions/{body['id']}"
    assert client.get(url, headers=admin).get_json() == body
    edited = client.patch(
        url,
        json={
            "options": [
                {"key": "a", "text": "按对方说的操作，开通备用金"},
                {"key": "b", "text": "挂断电话，通过购物平台官方客服核实"},
                {"key": "c", "text": "把验证码告诉对方"},
                {"key": "d", "text": "先转一点钱试试"},
            ]
        },
        headers=admin,
    ).get_json()
    assert [o["id"] for o in edited["options"][:3]] == [o["id"] for o in body["options"]]
    assert edited["options"][0]["text"] == "按对方说的操作，开通备用金"
    assert len(edited["options"]) == 4 and edited["answer"] == ["b"]
    listed = client.get(f"{ADMIN}/questions?source=admin", headers=admin).get_json()
    assert [item["key"] for item in listed["items"]] == ["cat-0-new-01"]
    listed = client.get(f"{ADMIN}/questions?category=cat-1&type=single", headers=admin)
    assert {item["category"]["slug"] for item in listed.get_json()["items"]} == {"cat-1"}
    assert client.get(f"{ADMIN}/questions?q=备用金", headers=admin).get_json()["total"] == 1
    assert client.get(f"{ADMIN}/questions?q=%25", headers=admin).get_json()["total"] == 0
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).get_json()["status"] == "retired"
    assert db.session.scalar(select(func.count()).select_from(Question)) == 9
    assert_error(client.get(f"{ADMIN}/questions/999999", headers=admin), 404, "NOT_FOUND")


def test_question_rules_are_checked_naming_the_field(client, admin):
    """Answer keys must exist; single has one answer; true/false is 正确/错误; known
    category; a taken key is QUESTION_KEY_TAKEN."""
    cases = [
        ({"answer": ["e"]}, "answer"),
        ({"answer": ["a", "b"]}, "answer"),
        ({"type": "true_false"}, "options"),
        ({"category": "nope"}, "category"),
        ({"options": [{"key": "a", "text": "唯一的选项"}]}, "options"),
        ({"options": [{"key": "a", "text": "一样"}, {"key": "b", "text": "一样"}]}, "options"),
        ({"explanation": " "}, "explanation"),
        ({"key": "Bad Key"}, "key"),
    ]
    for change, field in cases:
        response = client.post(f"{ADMIN}/questions", json={**NEW_QUESTION, **change}, headers=admin)
        errors = assert_error(response, 422, "VALIDATION_ERROR")["errors"]["json"]
        assert field in errors, (change, errors)
    assert client.post(f"{ADMIN}/questions", json=NEW_QUESTION, headers=admin).status_code == 201
    again = client.post(f"{ADMIN}/questions", json=NEW_QUESTION, headers=admin)
    assert_error(again, 409, "QUESTION_KEY_TAKEN")
    question_id = db.session.scalar(select(Question.id).where(Question.key == "cat-0-new-01"))
    bad_patch = client.patch(
        f"{ADMIN}/questions/{question_id}", json={"type": "multiple", "answer": []}, headers=admin
    )
    assert "answer" in assert_error(bad_patch, 422, "VALIDATION_ERROR")["errors"]["json"]


def test_only_admins_edit_the_bank_and_station_admins_read_it(client, make_user, auth_headers):
    """Residents are FORBIDDEN; station admins read the city-wide bank, admins edit it."""
    make_bank(categories=1, per_category=3)
    resident = auth_headers(make_user())
    station = auth_headers(make_user(roles=["station_admin"]))
    assert_error(client.get(f"{ADMIN}/questions", headers=resident), 403, "FORBIDDEN")
    assert_error(client.get(f"{ADMIN}/quiz-stats", headers=resident), 403, "FORBIDDEN")
    assert client.get(f"{ADMIN}/questions", headers=station).get_json()["total"] == 3
    refused = client.post(f"{ADMIN}/questions", json=NEW_QUESTION, headers=station)
    assert_error(refused, 403, "FORBIDDEN")
    admin = auth_headers(make_user(roles=["admin"]))
    assert client.post(f"{ADMIN}/questions", json=NEW_QUESTION, headers=admin).status_code == 201


HEADER = ["题目编号", "诈骗类型", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案"]
HEADER += ["解析", "关联文章"]
GOOD_ROWS = [
    [
        *("imp-01", "cat-0", "单选", "陌生人让你下载会议软件共享屏幕，怎么办？"),
        *("照做", "拒绝并挂断", "", ""),
        *("B", "共享屏幕会泄露验证码和银行信息。", "cat-0-article"),
    ],
    [
        *("imp-02", "类型1", "多选", "下面哪些是诈骗的信号？"),
        *("要求保密", "要求转账到安全账户", "正常的银行提醒", ""),
        *("A,B", "要求保密和转账到“安全账户”都是诈骗话术。", ""),
    ],
    [
        *("", "cat-1", "判断", "公检法会通过电话要求你转账到安全账户。"),
        *("", "", "", ""),
        *("错误", "公检法机关不会通过电话办案，更没有“安全账户”。", ""),
    ],
]


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, headers, data: bytes, filename: str):
    return client.post(
        f"{ADMIN}/questions/import",
        data={"file": (io.BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("filename", "make"),
    [
        ("bank.csv", csv_bytes),
        ("bank-gbk.csv", lambda rows: csv_bytes(rows, "gb18030")),
        ("bank.xlsx", xlsx_bytes),
    ],
)
def test_import_creates_then_updates_by_id(client, admin, filename, make):
    """CSV (UTF-8 with BOM, or GB18030 from Excel) and XLSX; Chinese headers, types,
    category names and answers; importing again changes nothing."""
    response = upload(client, admin, make(GOOD_ROWS), filename)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"total": 3, "created": 3, "updated": 0, "unchanged": 0}
    imported = {
        q.key: q for q in db.session.scalars(select(Question).where(Question.source == "admin"))
    }
    assert imported["imp-01"].answer == ["b"] and len(imported["imp-01"].options) == 2
    assert imported["imp-02"].category.slug == "cat-1" and imported["imp-02"].answer == ["a", "b"]
    true_false = next(q for key, q in imported.items() if key.startswith("q-"))
    assert [(o.key, o.text) for o in true_false.options] == [("a", "正确"), ("b", "错误")]
    assert true_false.answer == ["b"]
    again = upload(client, admin, make(GOOD_ROWS[:2]), filename).get_json()
    assert again == {"total": 2, "created": 0, "updated": 0, "unchanged": 2}


def test_import_is_all_or_nothing_with_a_report_per_row(client, admin):
    """One bad row and nothing is imported; every problem is named by row and column."""
    bad_rows = [
        GOOD_ROWS[0],
        ["imp-03", "nope", "单选", "题干内容", "甲", "乙", "", "", "C", "解析内容", ""],
        ["imp-04", "cat-0", "填空", "题干内容", "甲", "乙", "", "", "A", "", ""],
        ["imp-01", "cat-0", "单选", "题干内容", "甲", "", "丙", "", "A", "解析内容", ""],
        ["cat-0-q00", "cat-0", "判断", "题干内容", "", "", "", "", "对", "解析", ""],
    ]
    response = upload(client, admin, csv_bytes(bad_rows), "bank.csv")
    body = assert_error(response, 422, "VALIDATION_ERROR")
    rows = body["errors"]["rows"]
    assert set(rows) == {"3", "4", "5", "6"}
    assert set(rows["3"]) == {"category", "answer"}
    assert set(rows["4"]) == {"type", "explanation"}
    assert set(rows["5"]) == {"id", "options"}
    assert rows["5"]["id"] == ["与第 2 行的题目编号重复"]
    assert set(rows["6"]) == {"id"}  # belongs to content/quizzes
    assert "没有导入任何题目" in body["message"]
    assert db.session.scalar(select(func.count()).where(Question.source == "admin")) == 0


def test_import_refuses_unreadable_files(client, admin):
    """Wrong extension, missing columns, broken XLSX: 422 naming the file."""
    cases = [
        (b"x", "bank.txt"),
        ("题干,答案\n问,A\n".encode(), "bank.csv"),
        (b"not a zip", "bank.xlsx"),
        (HEADER[0].encode(), "bank.csv"),
    ]
    for data, filename in cases:
        body = assert_error(upload(client, admin, data, filename), 422, "VALIDATION_ERROR")
        assert "file" in body["errors"]["files"], body
    missing = client.post(f"{ADMIN}/questions/import", data={}, headers=admin)
    assert_error(missing, 422, "VALIDATION_ERROR")


def add_answers(question_map, answers_by_user, users, flagged=False, submitted=True):
    """One session per user holding that user's answers: {question: (right, option key)}."""
    now = utcnow()
    for user in users:
        session = QuizSessionFactory(
            user=user,
            questions=[],
            started_at=now - timedelta(minutes=5),
            submitted_at=now if submitted else None,
            flagged=flagged,
        )
        for position, (name, (right, key)) in enumerate(answers_by_user[user.nickname].items()):
            question = question_map[name]
            row = SessionQuestion(
                question=question,
                position=position,
                served_at=now,
                graded_at=now if submitted else None,
                correct=right if submitted else None,
                answered_at=now if key else None,
            )
            if key:
                option = next(o for o in question.options if o.key == key)
                row.choices.append(AnswerChoice(option=option))
            session.questions.append(row)
    db.session.commit()


def test_item_statistics_on_a_known_dataset(client, admin, make_user):
    """Facility, point-biserial discrimination against the rest score, option shares and
    flags, checked against values worked out by hand below."""
    questions = db.session.scalars(select(Question).order_by(Question.key)).all()
    q1, q2, q3, q4 = questions[:4]  # cat-0-q00 single (answer a), q01 multiple, q02 t/f, q03
    assert (q1.type, q1.answer) == ("single", ["a"])
    names = {"Q1": q1, "Q2": q2, "Q3": q3, "Q4": q4}
    users = {name: make_user(nickname=name) for name in "ABCDE"}
    R, W = True, False
    data = {
        # user: {question: (right, chosen option key)}
        "A": {"Q1": (R, "a"), "Q2": (W, "b"), "Q3": (R, "b")},
        "B": {"Q1": (R, "a"), "Q2": (W, "b"), "Q3": (R, "b")},
        "C": {"Q1": (W, "b"), "Q2": (R, "a"), "Q3": (W, "a")},
        "D": {"Q1": (W, "c"), "Q2": (R, "a")},
        "E": {"Q1": (R, "a"), "Q2": (R, "a"), "Q3": (R, "b")},
    }
    add_answers(names, data, users.values())
    # Not counted: a flagged session, an unsubmitted one, and a skipped question.
    add_answers(names, {"A": {"Q1": (W, "d")}}, [users["A"]], flagged=True)
    add_answers(names, {"B": {"Q1": (W, "d")}}, [users["B"]], submitted=False)
    add_answers(names, {"C": {"Q4": (W, None)}}, [users["C"]])

    # Participants' totals over counted answers: A 2/3, B 2/3, C 1/3, D 1/2, E 3/3.
    # Rest score y = (right elsewhere) / (answers elsewhere); x = 1 if right here.
    # Q1: x = 1,1,0,0,1; y = A 1/2, B 1/2, C 1/2, D 1/1, E 2/2
    #     n=5, Σx=3, Σy=3.5, Σy²=2.75, Σxy=2 → r = (5·2 − 3·3.5) / √((5·3 − 9)(5·2.75 − 3.5²))
    #     = −0.5 / √(6·1.5) = −1/6
    # Q2: x = 0,0,1,1,1; y = A 1, B 1, C 0, D 0, E 1 → r = (5·1 − 9) / √(6·6) = −2/3
    # Q3: x = 1,1,0,1; y = A 1/2, B 1/2, C 1/2, E 1 → r = (4·2 − 3·2.5) / √(3·0.75) = 1/3
    response = client.get(f"{ADMIN}/quiz-stats?category=cat-0&min_answers=4", headers=admin)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["discrimination_method"] == "point_biserial_rest" and body["min_answers"] == 4
    stats = {item["question_id"]: item for item in body["items"]}
    one, two, three = stats[q1.id], stats[q2.id], stats[q3.id]
    assert (one["times_answered"], one["correct_count"], one["facility"]) == (5, 3, 0.6)
    assert one["discrimination"] == pytest.approx(-1 / 6, abs=1e-4)
    assert one["flags"] == ["negative_discrimination"]
    shares = {o["key"]: (o["chosen_count"], o["share"]) for o in one["options"]}
    assert shares == {"a": (3, 0.6), "b": (1, 0.2), "c": (1, 0.2), "d": (0, 0.0)}
    assert (two["facility"], two["discrimination"]) == (0.6, pytest.approx(-2 / 3, abs=1e-4))
    assert (three["times_answered"], three["facility"]) == (4, 0.75)
    assert three["discrimination"] == pytest.approx(1 / 3, abs=1e-4)
    assert three["flags"] == []
    four = stats[q4.id]  # only skipped: nothing counted
    assert (four["times_answered"], four["facility"], four["discrimination"]) == (0, None, None)
    assert all(o["share"] is None for o in four["options"])

    default = client.get(f"{ADMIN}/quiz-stats", headers=admin).get_json()
    assert default["min_answers"] == 30 and all(not item["flags"] for item in default["items"])
    flagged = client.get(f"{ADMIN}/quiz-stats?flagged=1&min_answers=4", headers=admin).get_json()
    assert {item["question_id"] for item in flagged["items"]} == {q1.id, q2.id}
    assert flagged["total"] == 2
    opts = db.session.scalars(
        select(QuestionOption.public_id).where(QuestionOption.question_id == q1.id)
    )
    assert {o["id"] for o in one["options"]} == set(opts)


# ---- hostile spreadsheets (defects 5 and 13 of the attack report) ----------------------------


def real_workbook_with(parts: dict[str, bytes]) -> bytes:
    """A real question workbook with some of its parts replaced, deflated as Excel does."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD_ROWS))) as original:
        contents = {name: original.read(name) for name in original.namelist()}
    contents.update(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def shared_strings(*texts: str) -> bytes:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'<sst xmlns="urn:x">{items}</sst>'.encode()


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        # one 1 GB-class string in a few kilobytes: refused by what it would unpack to
        (
            {"xl/sharedStrings.xml": b"<sst><si><t>" + b"a" * 64_000_000 + b"</t></si></sst>"},
            "解压后过大",
        ),
        # millions of tiny strings, or cells, within the size: refused by their number
        ({"xl/sharedStrings.xml": shared_strings(*["a"] * 70_000)}, "内容过多"),
        ({"xl/worksheets/sheet1.xml": b"<w>" + b"<c><v>1</v></c>" * 70_000 + b"</w>"}, "内容过多"),
        ({"xl/sharedStrings.xml": shared_strings("长" * 6_000)}, "文字过长"),
        ({"xl/sharedStrings.xml": b"<sst><si><t>unclosed"}, "无法读取"),
    ],
    ids=["unpacks-huge", "many-strings", "many-cells", "long-string", "broken-xml"],
)
def test_a_hostile_xlsx_is_refused_before_it_is_unpacked(client, admin, parts, message):
    data = real_workbook_with(parts)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        response = upload(client, admin, data, "bank.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert message in body["errors"]["files"]["file"][0]
    assert peak < 40_000_000, f"the check held {peak:,} bytes at its peak"
    assert db.session.scalar(select(func.count()).where(Question.source == "admin")) == 0


def test_a_nul_in_a_cell_is_a_row_error_not_a_crash(client, admin):
    """Defect 13: a NUL in a CSV cell reached PostgreSQL (500)."""
    row = list(GOOD_ROWS[0])
    row[3] = "陌生人\x00让你下载会议软件"
    body = assert_error(
        upload(client, admin, csv_bytes([row]), "bank.csv"), 422, "VALIDATION_ERROR"
    )
    assert body["errors"]["rows"]["2"]["stem"] == ["含有不允许的控制字符（NUL）"]
    assert db.session.scalar(select(func.count()).where(Question.source == "admin")) == 0
