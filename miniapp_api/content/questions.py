"""The question bank under `content/quizzes/`: validating the files and syncing them.

`load_question_bank` reads and checks every file (no database); a problem raises
ContentError naming the file, the question id and the field. `sync_questions` is a
step of the caller's unit of work (`content.sync.sync_content`): it writes the
questions by stable id and leaves committing, or rolling back a dry run, to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from sqlalchemy import select

from miniapp_api.categories.models import Category
from miniapp_api.content.files import ContentError, first_error, read_yaml
from miniapp_api.quizzes import bank
from miniapp_api.quizzes.checks import (
    EXPLANATION_MAX_LENGTH,
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    QUESTION_TYPES,
    STEM_MAX_LENGTH,
    question_problems,
    text_problems,
)
from miniapp_api.quizzes.models import ACTIVE, FILE, RETIRED, Question
from miniapp_api.storage import db

SLUG = validate.Regexp(KEY_PATTERN, error="只能包含小写字母、数字和连字符")


class OptionFileSchema(ma.Schema):
    key = fields.String(required=True)
    text = fields.String(required=True)


class QuestionFileSchema(ma.Schema):
    id = fields.String(required=True, validate=[validate.Length(max=KEY_MAX_LENGTH), SLUG])
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    stem = fields.String(required=True, validate=validate.Length(min=5, max=STEM_MAX_LENGTH))
    options = fields.List(fields.Nested(OptionFileSchema), required=True)
    answer = fields.List(fields.String(), required=True)
    explanation = fields.String(
        required=True, validate=validate.Length(min=5, max=EXPLANATION_MAX_LENGTH)
    )
    article = fields.String(required=True, validate=[validate.Length(max=80), SLUG])


@dataclass(frozen=True)
class QuestionData:
    path: str
    key: str
    category: str
    type: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (key, text) in file order
    answer: tuple[str, ...]
    explanation: str
    article: str | None


def load_question_bank(
    quiz_dir: Path, category_slugs: set[str], *, article_slugs: set[str] | None = None
) -> list[QuestionData]:
    """Every question of every `<category>.yaml` under `quiz_dir`, validated.

    Ids must be unique across all files. With `article_slugs`, each question's
    article must be one of them.
    """
    result: list[QuestionData] = []
    seen: dict[str, Path] = {}
    for path in sorted(quiz_dir.glob("*.yaml")):
        for item in _load_file(path, category_slugs, article_slugs):
            if item.key in seen:
                problem = f"duplicate id, already in {seen[item.key].name}"
                raise ContentError(path, f"questions ({item.key}).id", problem)
            seen[item.key] = path
            result.append(item)
    return result


def _load_file(
    path: Path, category_slugs: set[str], article_slugs: set[str] | None
) -> list[QuestionData]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        raise ContentError(path, "questions", "expected a list under the key `questions`")
    category = document.get("category")
    if category not in category_slugs:
        raise ContentError(path, "category", f"unknown category {category}")
    if category != path.stem:
        raise ContentError(path, "category", f"must equal the file name ({path.stem})")
    unknown = set(document) - {"category", "questions"}
    if unknown:
        raise ContentError(path, sorted(unknown)[0], "unknown key")
    return [
        _load_question(path, index, entry, category, article_slugs)
        for index, entry in enumerate(document["questions"])
    ]


def _load_question(
    path: Path, index: int, entry: Any, category: str, article_slugs: set[str] | None
) -> QuestionData:
    label = f"questions[{index}]"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        label = f"questions[{index}] ({entry['id']})"
    try:
        item = QuestionFileSchema().load(entry if isinstance(entry, dict) else {})
    except ma.ValidationError as exc:
        field, problem = first_error(exc.messages, "")
        raise ContentError(path, f"{label}.{field}", problem) from exc
    options = tuple((option["key"], option["text"].strip()) for option in item["options"])
    problems = question_problems(item["type"], options, item["answer"])
    problems += text_problems(item["stem"], item["explanation"])
    if problems:
        field, problem = problems[0]
        raise ContentError(path, f"{label}.{field}", problem)
    if article_slugs is not None and item["article"] not in article_slugs:
        raise ContentError(path, f"{label}.article", f"unknown article {item['article']}")
    return QuestionData(
        path=str(path),
        key=item["id"],
        category=category,
        type=item["type"],
        stem=item["stem"].strip(),
        options=options,
        answer=tuple(item["answer"]),
        explanation=item["explanation"].strip(),
        article=item["article"],
    )


def sync_questions(items: Sequence[QuestionData], counts: Counter) -> None:
    """Create or update file questions by stable id; retire file questions that are no
    longer in any file (never delete: answers and statistics keep them). A step: run it
    inside a unit of work."""
    category_ids = dict(db.session.execute(select(Category.slug, Category.id)).tuples().all())
    existing = {question.key: question for question in db.session.scalars(select(Question))}
    for item in items:
        question = existing.get(item.key)
        is_new = question is None
        if is_new:
            question = Question(key=item.key)
        changed = bank.apply_question(
            question,
            category_id=category_ids[item.category],
            type=item.type,
            stem=item.stem,
            explanation=item.explanation,
            article_slug=item.article,
            status=ACTIVE,
            source=FILE,
            options=item.options,
            answer=item.answer,
        )
        if is_new:
            db.session.add(question)
            counts["questions_created"] += 1
        else:
            counts["questions_updated" if changed else "questions_unchanged"] += 1
    wanted = {item.key for item in items}
    for key, question in existing.items():
        if key not in wanted and question.source == FILE and question.status != RETIRED:
            question.status = RETIRED
            counts["questions_retired"] += 1
