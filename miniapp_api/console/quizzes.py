"""/console/quizzes: the question bank (题库), city-wide. Everyone on the console filters
it and reads the item statistics with their flags; an admin edits a question, retires
one and imports a CSV or XLSX file, whose bad rows are shown in a table (the admin API's
importer: all rows or none). Writes are `quizzes.admin_service`'s use cases, audited
`via: console`."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.categories import service as fraud_types
from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.pages import load_form, service_errors
from miniapp_api.errors import ValidationFailed
from miniapp_api.quizzes import admin_service
from miniapp_api.quizzes.admin_schemas import QuestionPatchSchema
from miniapp_api.quizzes.checks import OPTION_KEYS, QUESTION_TYPES
from miniapp_api.quizzes.models import QUESTION_STATUSES, Question

OFFICERS = ("admin", "station_admin")
PER_PAGE = 20
TYPE_LABELS = dict(zip(QUESTION_TYPES, ("单选", "多选", "判断"), strict=True))
STATUS_LABELS = {"active": "在用", "retired": "已停用"}
FLAG_LABELS = {
    "too_easy": "过易（正确率 > 90%）",
    "too_hard": "过难（正确率 < 20%）",
    "negative_discrimination": "区分度为负（答对者反而整体成绩差）",
}
FILTERS = ("category", "status", "type", "q")
# The spreadsheet's columns by the importer's names, as the Chinese header reads.
COLUMN_LABELS = {
    "id": "题目编号",
    "category": "诈骗类型",
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "article": "关联文章",
    **{f"option_{key}": f"选项{key.upper()}" for key in OPTION_KEYS},
}


def filters_of(args) -> dict[str, str]:
    found = {key: args.get(key, "").strip() for key in FILTERS}
    if found["status"] not in QUESTION_STATUSES:
        found["status"] = ""
    if found["type"] not in QUESTION_TYPES:
        found["type"] = ""
    found["q"] = found["q"][:50]
    return {key: value for key, value in found.items() if value}


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def shared_context(**extra: Any) -> dict:
    return {
        "active_section": "quizzes",
        "can_edit": current_officer().has_role("admin"),
        "category_options": [(c.slug, c.name) for c in fraud_types.in_display_order()],
        "type_labels": TYPE_LABELS,
        "status_labels": STATUS_LABELS,
        "flag_labels": FLAG_LABELS,
        "option_keys": OPTION_KEYS,
        **extra,
    }


def bank_page(import_errors: list | None = None, import_message: str | None = None):
    args = filters_of(request.args)
    found = admin_service.list_questions(args, page_number(), PER_PAGE)
    context = shared_context(found=found, args=args, import_errors=import_errors or [])
    context["import_message"] = import_message
    template = "_rows.html" if request.headers.get("HX-Target") == "question-rows" else "index.html"
    return render_template(f"console/quizzes/{template}", **context)


@console_bp.get("/quizzes")
@officer_required(*OFFICERS)
def quizzes():
    """The question bank, filtered by fraud type, status, type and text."""
    return bank_page()


def row_errors(exc: ValidationFailed) -> list[tuple[int, str, str]]:
    """The importer's report (`rows.<row>.<column>: [messages]`) as table rows."""
    rows = (exc.errors or {}).get("rows", {})
    return [
        (int(number), f"{COLUMN_LABELS.get(column, column)}（{column}）", message)
        for number, columns in sorted(rows.items(), key=lambda item: int(item[0]))
        for column, messages in columns.items()
        for message in messages
    ]


@console_bp.post("/quizzes/import")
@officer_required("admin")
def import_questions():
    """A CSV or XLSX file: every row imported, or none and each bad row shown."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return bank_page([], "请选择要导入的 CSV 或 XLSX 文件。"), 422
    try:
        report = admin_service.import_questions(upload.filename, upload.read(), current_officer())
    except ValidationFailed as exc:
        return bank_page(row_errors(exc), exc.message), 422
    flash(
        f"导入完成：共 {report.total} 行，新建 {report.created} 题，更新 {report.updated} 题，"
        f"未变 {report.unchanged} 题。",
        "success",
    )
    return redirect(url_for("console.quizzes"))


@console_bp.get("/quizzes/stats")
@officer_required(*OFFICERS)
def quiz_stats():
    """Item statistics per question, with their flags (only flagged ones on request)."""
    args = filters_of(request.args)
    flagged = request.args.get("flagged") == "1"
    found = admin_service.item_statistics(
        {**args, "flagged": flagged}, page_number(), PER_PAGE, None
    )
    args.update({"flagged": "1"} if flagged else {})
    return render_template("console/quizzes/stats.html", **shared_context(found=found, args=args))


def question_values(question: Question) -> dict[str, Any]:
    values: dict[str, Any] = {f"option_{o.key}": o.text for o in question.options}
    values.update(
        category=question.category.slug,
        type=question.type,
        stem=question.stem,
        explanation=question.explanation,
        article=question.article_slug or "",
        answer=list(question.answer),
    )
    return values


def question_data(form) -> dict[str, Any]:
    """The edit form as the admin API's question schema reads it."""
    options = [
        {"key": key, "text": form.get(f"option_{key}", "").strip()}
        for key in OPTION_KEYS
        if form.get(f"option_{key}", "").strip()
    ]
    return {
        "category": form.get("category", ""),
        "type": form.get("type", ""),
        "stem": form.get("stem", "").strip(),
        "options": options,
        "answer": form.getlist("answer"),
        "explanation": form.get("explanation", "").strip(),
        "article": form.get("article", "").strip() or None,
    }


def question_page(question: Question, values: dict, errors: dict, status: int = 200):
    stats = admin_service.item_statistics(
        {"category": question.category.slug}, 1, 10_000, None
    ).items
    mine = next((item for item in stats if item.question.id == question.id), None)
    context = shared_context(question=question, values=values, errors=errors, stats=mine)
    return render_template("console/quizzes/question.html", **context), status


@console_bp.get("/quizzes/<int:question_id>")
@officer_required(*OFFICERS)
def question(question_id: int):
    found = admin_service.get_question(question_id)
    return question_page(found, question_values(found), {})


@console_bp.post("/quizzes/<int:question_id>")
@officer_required("admin")
def update_question(question_id: int):
    found = admin_service.get_question(question_id)
    values, errors = load_form(QuestionPatchSchema(partial=True), question_data(request.form))
    if values is not None:
        try:
            admin_service.update_question(question_id, values, current_officer())
        except ValidationFailed as exc:
            errors = service_errors(exc)
        else:
            flash("题目已保存。", "success")
            return redirect(url_for("console.question", question_id=question_id))
    shown = {**request.form.to_dict(), "answer": request.form.getlist("answer")}
    return question_page(found, shown, errors, 422)


@console_bp.post("/quizzes/<int:question_id>/retire")
@officer_required("admin")
def retire_question(question_id: int):
    admin_service.retire_question(question_id, current_officer())
    flash("题目已停用：不再抽到，统计保留。", "success")
    return redirect(url_for("console.question", question_id=question_id))
