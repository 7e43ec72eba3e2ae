"""Validation of content/quizzes/*.yaml: the shipped bank, and errors that name the file,
the question and the field."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content.files import ContentError, load_categories
from miniapp_api.content.questions import load_question_bank

CONTENT = PROJECT_ROOT / "content"
CATEGORY_SLUGS = {c.slug for c in load_categories(CONTENT / "categories.yaml")}


def test_shipped_bank_is_valid_and_large_enough():
    """At least 240 questions, 15 per fraud type, all three types, existing articles."""
    articles = {path.stem for path in (CONTENT / "articles").glob("*.md")}
    bank = load_question_bank(CONTENT / "quizzes", CATEGORY_SLUGS, article_slugs=articles)
    assert len(bank) >= 240
    per_category = Counter(q.category for q in bank)
    assert set(per_category) == CATEGORY_SLUGS
    assert min(per_category.values()) >= 15
    assert {q.type for q in bank} == {"single", "multiple", "true_false"}
    assert len({q.key for q in bank}) == len(bank)
    assert all(2 <= len(q.options) <= 6 and q.explanation for q in bank)


def valid_question(n: int = 1) -> dict:
    return {
        "id": f"shuadan-fanli-q{n:02d}",
        "type": "single",
        "stem": "网上有人说点赞一次返 3 元，要先垫付才能提现，怎么办？",
        "options": [{"key": "a", "text": "先垫付"}, {"key": "b", "text": "不理会，这是刷单诈骗"}],
        "answer": ["b"],
        "explanation": "所有刷单都是诈骗，先给甜头再让你垫付。",
        "article": "shuadan-fanli-dianzan-jianzhi",
    }


def write_bank(folder: Path, questions: list, category="shuadan-fanli", name=None) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name or category}.yaml"
    document = {"category": category, "questions": questions}
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def load_error(folder: Path, **kwargs) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_question_bank(folder, CATEGORY_SLUGS, **kwargs)
    return caught.value


def test_a_valid_file_loads(tmp_path):
    """The minimal valid question loads with its fields."""
    write_bank(tmp_path, [valid_question()])
    (question,) = load_question_bank(tmp_path, CATEGORY_SLUGS)
    assert (question.key, question.category, question.answer) == (
        "shuadan-fanli-q01",
        "shuadan-fanli",
        ("b",),
    )


TWO_ANSWER_OPTIONS = [{"key": k, "text": t} for k, t in zip("abc", "甲乙丙", strict=True)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "Shuadan Q1"}, "questions[0] (Shuadan Q1).id"),
        ({"type": "essay"}, "questions[0] (shuadan-fanli-q01).type"),
        ({"stem": ""}, "questions[0] (shuadan-fanli-q01).stem"),
        ({"options": [{"key": "a", "text": "唯一"}]}, "questions[0] (shuadan-fanli-q01).options"),
        (
            {"options": [{"key": k, "text": k * 2} for k in "abcdefg"]},
            "questions[0] (shuadan-fanli-q01).options",
        ),
        (
            {"options": [{"key": "a", "text": "甲"}, {"key": "z", "text": "乙"}]},
            "questions[0] (shuadan-fanli-q01).options",
        ),
        ({"options": [{"key": "a"}]}, "questions[0] (shuadan-fanli-q01).options.0.text"),
        ({"answer": ["c"]}, "questions[0] (shuadan-fanli-q01).answer"),
        ({"answer": []}, "questions[0] (shuadan-fanli-q01).answer"),
        (
            {"options": TWO_ANSWER_OPTIONS, "answer": ["a", "b"]},
            "questions[0] (shuadan-fanli-q01).answer",
        ),
        ({"type": "true_false"}, "questions[0] (shuadan-fanli-q01).options"),
        ({"explanation": None}, "questions[0] (shuadan-fanli-q01).explanation"),
        ({"article": None}, "questions[0] (shuadan-fanli-q01).article"),
        ({"hint": "多想想"}, "questions[0] (shuadan-fanli-q01).hint"),
    ],
)
def test_bad_question_names_file_question_and_field(tmp_path, change, field):
    """Each broken rule fails the load with the file, the question id and the field."""
    question = {**valid_question(), **change}
    question = {key: value for key, value in question.items() if value is not None}
    write_bank(tmp_path, [valid_question(2), question])
    error = load_error(tmp_path)
    assert Path(error.path).name == "shuadan-fanli.yaml"
    assert error.field == field.replace("questions[0]", "questions[1]"), error
    assert error.problem


def test_multiple_choice_may_have_several_answers(tmp_path):
    """`multiple` is the one type with more than one right option."""
    question = {**valid_question(), "type": "multiple", "options": TWO_ANSWER_OPTIONS}
    write_bank(tmp_path, [{**question, "answer": ["a", "c"]}])
    assert load_question_bank(tmp_path, CATEGORY_SLUGS)[0].answer == ("a", "c")


def test_duplicate_ids_are_refused_within_and_across_files(tmp_path):
    """Ids are unique across the whole bank; the error names the second file."""
    write_bank(tmp_path, [valid_question(1), valid_question(1)])
    assert load_error(tmp_path).field == "questions (shuadan-fanli-q01).id"
    write_bank(tmp_path, [valid_question(1)])
    other = {**valid_question(1)}
    write_bank(tmp_path, [other], category="yanglao-zhapian")
    error = load_error(tmp_path)
    assert Path(error.path).name == "yanglao-zhapian.yaml"
    assert "shuadan-fanli.yaml" in error.problem


def test_file_level_problems(tmp_path):
    """Unknown category, a file named after another category, no question list, bad YAML,
    and an unknown article when the article slugs are given."""
    write_bank(tmp_path, [valid_question()], category="no-such-type", name="no-such-type")
    assert load_error(tmp_path).field == "category"
    (tmp_path / "no-such-type.yaml").unlink()
    write_bank(tmp_path, [valid_question()], name="yanglao-zhapian")
    assert load_error(tmp_path).field == "category"
    (tmp_path / "yanglao-zhapian.yaml").unlink()
    (tmp_path / "shuadan-fanli.yaml").write_text("category: shuadan-fanli\n", encoding="utf-8")
    assert load_error(tmp_path).field == "questions"
    (tmp_path / "shuadan-fanli.yaml").write_text("questions: [\n", encoding="utf-8")
    assert load_error(tmp_path).field == "-"
    write_bank(tmp_path, [valid_question()])
    error = load_error(tmp_path, article_slugs={"another-article"})
    assert error.field == "questions[0] (shuadan-fanli-q01).article"
    assert "shuadan-fanli.yaml" in str(error)
