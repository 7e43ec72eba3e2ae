"""Pure quiz arithmetic: drawing, shuffling, grading, and item statistics. No Flask."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from miniapp_api.quizzes.checks import TRUE_FALSE

TOO_EASY_ABOVE = 0.9
TOO_HARD_BELOW = 0.2


@dataclass(frozen=True)
class Candidate:
    question_id: int
    category_id: int
    preferred: bool  # never seen by the caller, or got wrong the last time


def draw(
    candidates: Sequence[Candidate], count: int, rng: random.Random, *, spread: bool = False
) -> list[int]:
    """Up to `count` distinct question ids at random, preferred ones first.

    With `spread`, at most one question per category until every category has one,
    so a short quiz goes across categories.
    """
    pool = list(candidates)
    rng.shuffle(pool)
    pool.sort(key=lambda c: not c.preferred)  # stable: random within each tier
    if not spread:
        return [c.question_id for c in pool[:count]]
    chosen: list[Candidate] = []
    used_categories: set[int] = set()
    for candidate in pool:
        if len(chosen) == count:
            break
        if candidate.category_id not in used_categories:
            chosen.append(candidate)
            used_categories.add(candidate.category_id)
    rest = [c for c in pool if c not in chosen]
    chosen.extend(rest[: count - len(chosen)])
    return [c.question_id for c in chosen]


def option_order(public_ids: Sequence[str], question_type: str, rng: random.Random) -> list[str]:
    """This session's order of a question's options. True/false stays 正确, 错误 for
    every question, so its order says nothing about the answer either."""
    order = list(public_ids)
    if question_type != TRUE_FALSE:
        rng.shuffle(order)
    return order


def is_right(correct: Iterable[str], chosen: Iterable[str]) -> bool:
    """Right only when exactly the correct options were chosen (no partial credit)."""
    chosen_set = set(chosen)
    return bool(chosen_set) and chosen_set == set(correct)


def score_percent(correct_count: int, total: int) -> int:
    """Share of right answers, 0–100, rounded half up."""
    if total <= 0:
        return 0
    return (200 * correct_count + total) // (2 * total)


def too_fast(elapsed_seconds: float, answered: int, min_seconds_per_question: float) -> bool:
    """Faster than humanly possible: less than the minimum time per answered question."""
    return answered > 0 and elapsed_seconds < answered * min_seconds_per_question


def correlation(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when either variable does not vary.

    With x the 0/1 correctness of an answer this is the point-biserial correlation.
    """
    if n < 2:
        return None
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    if var_x <= 1e-12 or var_y <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(var_x * var_y)


def item_flags(
    times_answered: int, facility: float | None, discrimination: float | None, min_answers: int
) -> list[str]:
    """too_easy (facility > 0.9), too_hard (< 0.2), negative_discrimination (< 0),
    only once the question has `min_answers` answers."""
    if times_answered < min_answers or facility is None:
        return []
    flags = []
    if facility > TOO_EASY_ABOVE:
        flags.append("too_easy")
    if facility < TOO_HARD_BELOW:
        flags.append("too_hard")
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    return flags
