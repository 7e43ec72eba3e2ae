"""The question bank and its statistics: `admin` edits the city-wide bank; `station_admin`
reads it and its statistics (what to teach next)."""

from flask_jwt_extended import current_user

from miniapp_api.quizzes import admin_service
from miniapp_api.quizzes.admin_schemas import (
    AdminQuestionPageSchema,
    AdminQuestionSchema,
    QuestionFilterSchema,
    QuestionImportFileSchema,
    QuestionImportResultSchema,
    QuestionInputSchema,
    QuestionPatchSchema,
    QuizStatsArgsSchema,
    QuizStatsSchema,
)
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "quiz_admin", __name__, url_prefix="/api/v1/admin", description="Question bank (题库)"
)
ROLES = ("admin", "station_admin")


@blp.route("/questions", methods=["GET"])
@login_required(*ROLES)
@blp.arguments(QuestionFilterSchema, location="query")
@blp.response(200, AdminQuestionPageSchema)
def list_questions(args):
    """Questions with their answers, filtered by category, status, type, source or text."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return admin_service.list_questions(args, page, per_page)


@blp.route("/questions", methods=["POST"])
@login_required("admin")
@blp.arguments(QuestionInputSchema)
@blp.response(201, AdminQuestionSchema)
@blp.alt_response(409, response="CONFLICT", description="QUESTION_KEY_TAKEN")
def create_question(payload):
    """Add a question to the bank."""
    return admin_service.create_question(payload, current_user)


@blp.route("/questions/import", methods=["POST"])
@login_required("admin")
@blp.arguments(QuestionImportFileSchema, location="files")
@blp.response(200, QuestionImportResultSchema)
def import_questions(files):
    """Import a CSV or XLSX question bank: all rows or none, with a report per bad row."""
    upload = files["file"]
    return admin_service.import_questions(upload.filename or "", upload.read(), current_user)


@blp.route("/questions/<int:question_id>", methods=["GET"])
@login_required(*ROLES)
@blp.response(200, AdminQuestionSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_question(question_id):
    """One question with its answer and stable option ids."""
    return admin_service.get_question(question_id)


@blp.route("/questions/<int:question_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(QuestionPatchSchema(partial=True))
@blp.response(200, AdminQuestionSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_question(payload, question_id):
    """Change a question; options keep their ids by key, so statistics survive edits."""
    return admin_service.update_question(question_id, payload, current_user)


@blp.route("/questions/<int:question_id>", methods=["DELETE"])
@login_required("admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def retire_question(question_id):
    """Retire a question: never drawn again, its statistics stay."""
    admin_service.retire_question(question_id, current_user)


@blp.route("/quiz-stats", methods=["GET"])
@login_required(*ROLES)
@blp.arguments(QuizStatsArgsSchema, location="query")
@blp.response(200, QuizStatsSchema)
def quiz_stats(args):
    """Per question: times answered, facility, discrimination, option shares, flags."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return admin_service.item_statistics(args, page, per_page, args.pop("min_answers", None))
