"""Pure quiz arithmetic: draws, option order, grading, statistics, spreadsheet rows."""

import random

import pytest

from miniapp_api.quizzes import grading, importing
from miniapp_api.quizzes.grading import Candidate


def test_draw_prefers_unseen_or_wrong_and_never_repeats():
    """Preferred questions come first; the rest fill up; no id twice."""
    candidates = [Candidate(i, 1, preferred=i < 4) for i in range(10)]
    for seed in range(20):
        drawn = grading.draw(candidates, 6, random.Random(seed))
        assert len(drawn) == len(set(drawn)) == 6
        assert set(drawn[:4]) == {0, 1, 2, 3}
    assert sorted(grading.draw(candidates, 50, random.Random(1))) == list(range(10))
    assert grading.draw([], 5, random.Random(1)) == []


def test_draw_with_spread_goes_across_categories_first():
    """A spread draw takes one question per category before a second from any."""
    candidates = [Candidate(c * 10 + i, c, preferred=(i == 0)) for c in range(6) for i in range(5)]
    for seed in range(20):
        drawn = grading.draw(candidates, 5, random.Random(seed), spread=True)
        assert len({qid // 10 for qid in drawn}) == 5
        assert all(qid % 10 == 0 for qid in drawn)  # and the preferred one of each
    few = [Candidate(1, 1, True), Candidate(2, 1, True), Candidate(3, 2, False)]
    assert set(grading.draw(few, 3, random.Random(0), spread=True)) == {1, 2, 3}


def test_draw_is_random():
    """Different draws differ (not a fixed order)."""
    candidates = [Candidate(i, 1, True) for i in range(30)]
    draws = {tuple(grading.draw(candidates, 5, random.Random(seed))) for seed in range(10)}
    assert len(draws) > 5


def test_option_order_shuffles_except_true_false():
    """Options are shuffled per session; 正确/错误 keep their fixed order."""
    ids = ["w", "x", "y", "z"]
    orders = {tuple(grading.option_order(ids, "single", random.Random(s))) for s in range(30)}
    assert len(orders) > 5 and all(sorted(order) == ids for order in orders)
    assert grading.option_order(["t", "f"], "true_false", random.Random(3)) == ["t", "f"]


def test_grading_needs_exactly_the_right_options():
    """No partial credit: right only with exactly the correct set."""
    assert grading.is_right({"a"}, ["a"])
    assert grading.is_right({"a", "c"}, ["c", "a"])
    assert not grading.is_right({"a", "c"}, ["a"])
    assert not grading.is_right({"a"}, ["a", "b"])
    assert not grading.is_right({"a"}, [])


@pytest.mark.parametrize(
    ("right", "total", "score"), [(0, 5, 0), (3, 5, 60), (5, 5, 100), (1, 3, 33), (2, 3, 67)]
)
def test_score_is_a_rounded_percentage(right, total, score):
    assert grading.score_percent(right, total) == score


def test_too_fast():
    """Below the minimum seconds per answered question; nothing answered is never fast."""
    assert grading.too_fast(4.0, 5, 1.0)
    assert not grading.too_fast(5.0, 5, 1.0)
    assert not grading.too_fast(0.0, 0, 3.0)


def test_correlation_from_sums():
    """Pearson's r from sums equals the textbook value; constant data gives None."""
    xs, ys = [1, 1, 0, 0, 1], [0.5, 0.5, 0.5, 1.0, 1.0]
    sums = (
        len(xs),
        sum(xs),
        sum(ys),
        sum(x * x for x in xs),
        sum(y * y for y in ys),
        sum(x * y for x, y in zip(xs, ys, strict=True)),
    )
    assert grading.correlation(*sums) == pytest.approx(-1 / 6)
    assert grading.correlation(3, 3, 1.5, 3, 0.75, 1.5) is None  # x constant
    assert grading.correlation(1, 1, 1, 1, 1, 1) is None


def test_item_flags_need_enough_answers():
    """too_easy above 0.9, too_hard below 0.2, negative discrimination; only from
    `min_answers` answers on."""
    assert grading.item_flags(30, 0.95, 0.3, 30) == ["too_easy"]
    assert grading.item_flags(30, 0.1, -0.2, 30) == ["too_hard", "negative_discrimination"]
    assert grading.item_flags(30, 0.9, 0.0, 30) == []
    assert grading.item_flags(29, 0.95, -0.5, 30) == []
    assert grading.item_flags(0, None, None, 0) == []


@pytest.mark.parametrize(
    ("value", "kind", "keys"),
    [
        ("B", "single", ["b"]),
        ("a,c", "multiple", ["a", "c"]),
        ("ACD", "multiple", ["a", "c", "d"]),
        ("A、C", "multiple", ["a", "c"]),
        ("正确", "true_false", ["a"]),
        ("错", "true_false", ["b"]),
        ("", "single", []),
    ],
)
def test_spreadsheet_answers(value, kind, keys):
    assert importing.answer_of(value, kind) == keys


def test_spreadsheet_rows_and_option_gaps():
    """English or Chinese headers; blank rows skipped; a gap in the options is a problem."""
    data = "id,category,type,stem,A,B,C,answer,explanation\n"
    data += "x-1,cat,single,题干,甲,,丙,A,解析\n,,,,,,,,\n"
    (row,) = importing.read_rows("bank.CSV", data.encode())
    assert row.number == 2 and row.values["option_a"] == "甲"
    assert importing.options_of(row, "single") == [("a", "甲"), ("c", "丙")]
    assert row.problems == {"options": ["选项 B 为空，但后面还有选项"]}
    with pytest.raises(importing.SpreadsheetError):
        importing.read_rows("bank.csv", b"id,stem\n1,2\n")
