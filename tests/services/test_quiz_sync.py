"""Syncing content/quizzes: by stable id, idempotent, retiring (never deleting) questions."""

import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from miniapp_api.categories.models import Category
from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content.files import load_categories
from miniapp_api.content.questions import load_question_bank, sync_questions
from miniapp_api.quizzes import service
from miniapp_api.quizzes.models import Question
from miniapp_api.storage import db, unit_of_work
from tests.factories import QuestionFactory

SHIPPED = PROJECT_ROOT / "content" / "quizzes"


@pytest.fixture
def slugs(app_ctx) -> set[str]:
    for item in load_categories(PROJECT_ROOT / "content" / "categories.yaml"):
        db.session.add(Category(slug=item.slug, name=item.name, description=item.description))
    db.session.commit()
    return set(db.session.scalars(select(Category.slug)))


def sync(folder: Path, slugs: set[str]) -> Counter:
    counts: Counter = Counter()
    with unit_of_work():
        sync_questions(load_question_bank(folder, slugs), counts)
    return counts


def options_of(key: str) -> dict[str, tuple[str, str, bool]]:
    db.session.expire_all()
    question = db.session.scalar(select(Question).where(Question.key == key))
    return {o.key: (o.public_id, o.text, o.is_correct) for o in question.options}


def test_shipped_bank_syncs_once_then_changes_nothing(slugs):
    """First sync creates every question; the second finds them all unchanged."""
    total = len(load_question_bank(SHIPPED, slugs))
    assert sync(SHIPPED, slugs) == Counter(questions_created=total)
    assert sync(SHIPPED, slugs) == Counter(questions_unchanged=total)
    assert db.session.scalar(select(func.count()).select_from(Question)) == total


def test_edits_keep_ids_and_removed_questions_are_retired(slugs, tmp_path):
    """Rewording keeps the question and option ids; a removed question is retired (kept);
    putting it back makes it active again."""
    folder = tmp_path / "quizzes"
    shutil.copytree(SHIPPED, folder)
    sync(folder, slugs)
    key = "shuadan-fanli-q01"
    before = options_of(key)
    question_id = db.session.scalar(select(Question.id).where(Question.key == key))
    path = folder / "shuadan-fanli.yaml"
    original = path.read_text(encoding="utf-8")
    first_text = before["a"][1]
    path.write_text(original.replace(first_text, first_text + "（改写）", 1), encoding="utf-8")
    counts = sync(folder, slugs)
    assert counts["questions_updated"] == 1 and counts["questions_created"] == 0
    after = options_of(key)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert after["a"][1] == first_text + "（改写）"
    assert db.session.scalar(select(Question.id).where(Question.key == key)) == question_id

    start = original.index(f"  - id: {key}")
    end = original.index("  - id: ", start + 1)
    path.write_text(original[:start] + original[end:], encoding="utf-8")
    counts = sync(folder, slugs)
    assert counts["questions_retired"] == 1
    assert db.session.get(Question, question_id).status == "retired"
    assert sync(folder, slugs)["questions_retired"] == 0
    path.write_text(original, encoding="utf-8")
    counts = sync(folder, slugs)
    assert counts["questions_updated"] == 1 and counts["questions_retired"] == 0
    db.session.expire_all()
    assert db.session.get(Question, question_id).status == "active"
    assert {k: v[0] for k, v in options_of(key).items()} == {k: v[0] for k, v in before.items()}


class Abandon(Exception):
    """Raised at the end of a unit of work so that it rolls back."""


def test_admin_questions_are_left_alone_and_nothing_is_written_without_commit(slugs):
    """Questions created through the API are not retired by a sync; the sync itself
    does not commit (it is a step of the content command's unit of work, which
    commits, or rolls back for a dry run)."""
    QuestionFactory(key="admin-q1", category=db.session.scalar(select(Category).limit(1)))
    counts: Counter = Counter()
    with pytest.raises(Abandon), unit_of_work():
        sync_questions(load_question_bank(SHIPPED, slugs), counts)
        raise Abandon()
    assert counts["questions_created"] > 0 and counts["questions_retired"] == 0
    assert db.session.scalars(select(Question.key)).all() == ["admin-q1"]


def test_retired_questions_are_never_drawn(slugs, make_user):
    """After retiring all but three questions of a category, a topic draws those three."""
    sync(SHIPPED, slugs)
    keep = {"yanglao-zhapian-q01", "yanglao-zhapian-q02", "yanglao-zhapian-q03"}
    for question in db.session.scalars(select(Question)):
        if question.key.startswith("yanglao-zhapian-") and question.key not in keep:
            question.status = "retired"
    db.session.commit()
    user = make_user()
    state = service.start_session(user, "topic", "yanglao-zhapian")
    drawn = {row.question.key for row in state.session.questions}
    assert drawn == keep
