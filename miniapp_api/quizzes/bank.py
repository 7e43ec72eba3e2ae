"""Writing questions and their options, shared by the file sync, the admin API and the
spreadsheet import; and finding the articles questions point to."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select

from miniapp_api.articles.models import PUBLISHED, SCHEDULED, Article
from miniapp_api.quizzes.models import Question, QuestionOption
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


def new_public_id() -> str:
    """An option id for clients: random, so it reveals neither position nor correctness."""
    return secrets.token_urlsafe(9)


def apply_question(
    question: Question,
    *,
    options: Sequence[tuple[str, str]],
    answer: Collection[str],
    **values: Any,
) -> bool:
    """Set `values` (column name → value) and the options; says whether anything changed.

    Options are matched by key: an option that stays keeps its public id (and with it
    its statistics) whatever its text, position or correctness become.
    """
    changed = False
    for name, value in values.items():
        if getattr(question, name) != value:
            setattr(question, name, value)
            changed = True
    by_key = {option.key: option for option in question.options}
    for position, (key, text) in enumerate(options):
        wanted = {"text": text, "is_correct": key in answer, "position": position}
        option = by_key.pop(key, None)
        if option is None:
            question.options.append(QuestionOption(public_id=new_public_id(), key=key, **wanted))
            changed = True
            continue
        for name, value in wanted.items():
            if getattr(option, name) != value:
                setattr(option, name, value)
                changed = True
    for option in by_key.values():
        question.options.remove(option)
        changed = True
    if changed:
        question.options.sort(key=lambda option: option.position)
    return changed


def visible_article_ids(slugs: Iterable[str | None]) -> dict[str, int]:
    """Ids of the articles readers can open now, by slug (missing slugs are absent)."""
    wanted = {slug for slug in slugs if slug}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Article.slug, Article.id).where(
            Article.slug.in_(wanted),
            or_(Article.status == PUBLISHED, Article.status == SCHEDULED),
            Article.published_at <= utcnow(),
        )
    )
    return dict(rows.tuples().all())
