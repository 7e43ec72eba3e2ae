"""The question bank for administrators: CRUD through the API and spreadsheet import;
the item statistics, re-exported from `stats`.

Questions are never deleted (sessions and statistics keep them): DELETE retires one.
Questions from content/quizzes can be edited here too, but the next `flask content
sync` puts the file's version back; change the file as well.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from miniapp_api.audit.service import audited, record
from miniapp_api.categories.models import Category
from miniapp_api.errors import ValidationFailed
from miniapp_api.quizzes import bank, checks, importing
from miniapp_api.quizzes.errors import QuestionKeyTaken
from miniapp_api.quizzes.models import ACTIVE, ADMIN, FILE, RETIRED, Question
from miniapp_api.quizzes.stats import StatsPage, item_statistics
from miniapp_api.storage import Page, db, get_or_404, insert, paginate
from miniapp_api.users.models import User

__all__ = [
    "ImportReport",
    "QuestionKeyTaken",
    "StatsPage",
    "create_question",
    "get_question",
    "import_questions",
    "item_statistics",
    "list_questions",
    "retire_question",
    "update_question",
]

ARTICLE_MAX_LENGTH = 80


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, questions created, updated, left unchanged."""

    total: int
    created: int
    updated: int
    unchanged: int


def _generated_key() -> str:
    return f"q-{secrets.token_hex(5)}"


def _category_ids() -> dict[str, int]:
    """Category ids by slug and by Chinese name (spreadsheets often use the name)."""
    rows = db.session.execute(select(Category.slug, Category.name, Category.id)).tuples()
    ids: dict[str, int] = {}
    for slug, name, category_id in rows:
        ids[slug] = ids[name] = category_id
    return ids


def list_questions(filters: Mapping[str, Any], page: int, per_page: int) -> Page:
    """Questions by key, filtered by category slug, status, type, source or text."""
    query = select(Question).join(Category, Question.category_id == Category.id)
    if filters.get("category"):
        query = query.where(Category.slug == filters["category"])
    for name in ("status", "type", "source"):
        if filters.get(name):
            query = query.where(getattr(Question, name) == filters[name])
    if filters.get("q"):
        text = filters["q"]
        query = query.where(
            or_(
                Question.stem.contains(text, autoescape=True),
                Question.key.contains(text, autoescape=True),
            )
        )
    return paginate(query.order_by(Question.key), page, per_page)


def get_question(question_id: int) -> Question:
    return get_or_404(Question, question_id, "题目不存在")


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a whole question (API field names); the columns to write, or a 422."""
    options = [(option["key"], option["text"].strip()) for option in values["options"]]
    problems = checks.question_problems(values["type"], options, values["answer"])
    problems += checks.text_problems(values["stem"], values["explanation"])
    category_id = _category_ids().get(values["category"])
    if category_id is None:
        problems.append(("category", f"未知的诈骗类型：{values['category']}"))
    if problems:
        errors: dict[str, list[str]] = {}
        for field, problem in problems:
            errors.setdefault(field, []).append(problem)
        raise ValidationFailed(errors={"json": errors})
    return {
        "category_id": category_id,
        "type": values["type"],
        "stem": values["stem"].strip(),
        "explanation": values["explanation"].strip(),
        "article_slug": values.get("article") or None,
        "status": values.get("status", ACTIVE),
        "options": options,
        "answer": values["answer"],
    }


@audited
def create_question(values: Mapping[str, Any], actor: User) -> Question:
    """Add a question (source admin). A key in use is QUESTION_KEY_TAKEN, also when the
    same key is created at the same moment: the insert then does nothing."""
    fields = _fields(values)
    options, answer = fields.pop("options"), fields.pop("answer")
    question_id = db.session.scalar(
        insert(Question)
        .values(key=values.get("key") or _generated_key(), source=ADMIN, **fields)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Question.id)
    )
    if question_id is None:
        raise QuestionKeyTaken()
    question = get_question(question_id)
    bank.apply_question(question, options=options, answer=answer)
    record(
        actor,
        "question.create",
        "question",
        question.key,
        changes={"status": [None, question.status]},
    )
    return question


def _current_values(question: Question) -> dict[str, Any]:
    return {
        "category": question.category.slug,
        "type": question.type,
        "stem": question.stem,
        "explanation": question.explanation,
        "article": question.article_slug,
        "status": question.status,
        "options": [{"key": option.key, "text": option.text} for option in question.options],
        "answer": question.answer,
    }


@audited
def update_question(question_id: int, changes: Mapping[str, Any], actor: User) -> Question:
    """Change some fields; the result is checked as a whole. Options keep their ids by
    key, so statistics survive rewording."""
    question = get_question(question_id)
    before = _current_values(question)
    fields = _fields({**before, **changes})
    bank.apply_question(question, **fields)
    after = _current_values(question)
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    record(actor, "question.update", "question", question.key, changes=changed)
    return question


@audited
def retire_question(question_id: int, actor: User) -> None:
    """Never drawn again; its answers and statistics stay."""
    question = get_question(question_id)
    before, question.status = question.status, RETIRED
    changes = {"status": [before, RETIRED]}
    record(actor, "question.retire", "question", question.key, changes=changes)


@audited
def import_questions(filename: str, data: bytes, actor: User) -> ImportReport:
    """Create or update questions from a spreadsheet, all rows or none.

    A bad row fails the whole import with a report per row:
    `errors.rows.<row number>.<column>`.
    """
    try:
        rows = importing.read_rows(filename, data)
    except importing.SpreadsheetError as exc:
        raise ValidationFailed(str(exc), errors={"files": {"file": [str(exc)]}}) from exc
    category_ids = _category_ids()
    keys = [row.values.get("id") for row in rows if row.values.get("id")]
    existing = {
        question.key: question
        for question in db.session.scalars(select(Question).where(Question.key.in_(keys)))
    }
    first_rows: dict[str, int] = {}
    for row in rows:
        first_rows.setdefault(row.values.get("id") or "", row.number)
    prepared = [_prepare(row, category_ids, existing, first_rows) for row in rows]
    errors = {str(row.number): row.problems for row in rows if row.problems}
    if errors:
        message = f"有 {len(errors)} 行有误，没有导入任何题目，请修改后重新上传"
        raise ValidationFailed(message, errors={"rows": errors})
    counts = _write_rows(prepared, existing)
    report = ImportReport(len(rows), counts["created"], counts["updated"], counts["unchanged"])
    record(
        actor,
        "question.import",
        "question_bank",
        filename[:64],
        changes={"counts": [None, vars(report)]},
    )
    return report


def _write_rows(prepared: list, existing: dict[str, Question]) -> Counter:
    counts: Counter = Counter()
    for key, fields in prepared:
        question = existing.get(key)
        if question is None:
            question = Question(key=key or _generated_key())
            bank.apply_question(question, source=ADMIN, **fields)
            db.session.add(question)
            counts["created"] += 1
        else:
            changed = bank.apply_question(question, source=ADMIN, **fields)
            counts["updated" if changed else "unchanged"] += 1
    return counts


def _check_key(
    row: importing.ImportRow, key: str, existing: dict[str, Question], first_rows: dict[str, int]
) -> None:
    for field, problem in checks.key_problems(key):
        row.problem(field, problem)
    if first_rows[key] != row.number:
        row.problem("id", f"与第 {first_rows[key]} 行的题目编号重复")
    if key in existing and existing[key].source == FILE:
        row.problem("id", "该编号属于 content/quizzes 中的题目，请修改题库文件")


def _prepare(
    row: importing.ImportRow,
    category_ids: dict[str, int],
    existing: dict[str, Question],
    first_rows: dict[str, int],
) -> tuple[str | None, dict[str, Any]]:
    values = row.values
    key = values.get("id") or None
    if key:
        _check_key(row, key, existing, first_rows)
    category_id = category_ids.get(values["category"])
    if category_id is None:
        row.problem("category", f"未知的诈骗类型：{values['category'] or '（空）'}")
    kind = importing.question_type(values["type"])
    if kind is None:
        row.problem("type", "题型必须是 单选、多选 或 判断（single、multiple、true_false）")
    options = importing.options_of(row, kind)
    answer = importing.answer_of(values["answer"], kind)
    if kind is not None:
        for field, problem in checks.question_problems(kind, options, answer):
            row.problem(field, problem)
    for field, problem in checks.text_problems(values["stem"], values["explanation"]):
        row.problem(field, problem)
    article = values.get("article") or None
    if article and (not checks.KEY_PATTERN.match(article) or len(article) > ARTICLE_MAX_LENGTH):
        row.problem("article", "关联文章请填写文章的 slug（小写字母、数字和连字符）")
    fields = {
        "category_id": category_id,
        "type": kind,
        "stem": values["stem"],
        "explanation": values["explanation"],
        "article_slug": article,
        "status": ACTIVE,
        "options": options,
        "answer": answer,
    }
    return key, fields
