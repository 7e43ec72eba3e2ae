"""GET /admin/stats: figures of a range of days from the rollup (today's is rebuilt
every ten minutes), the days never rolled up computed live by the same code, and the
zones limited to the officer's reach."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from miniapp_api.articles.models import Article
from miniapp_api.categories.models import Category
from miniapp_api.quizzes.models import Question
from miniapp_api.reports import rollup
from miniapp_api.reports.figures import COUNTS, Figures
from miniapp_api.reports.models import (
    NO_ZONE,
    DailyArticleReads,
    DailyQuestionAnswers,
    DailyStats,
)
from miniapp_api.storage import db
from miniapp_api.timeutil import local_today
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones

DEFAULT_DAYS = 30
TOP = 10


@dataclass(frozen=True)
class Ranked:
    """An article, category or question with its counts."""

    id: int
    name: str
    count: int = 0
    answered: int = 0
    correct: int = 0
    category: str | None = None

    @property
    def facility(self) -> float | None:
        return round(self.correct / self.answered, 4) if self.answered else None

    @property
    def missed(self) -> int:
        return self.answered - self.correct


@dataclass
class Report:
    date_from: date
    date_to: date
    zone_id: int | None
    totals: Figures
    days: list[Figures] = field(default_factory=list)
    zones: list[Figures] = field(default_factory=list)
    top_articles: list[Ranked] = field(default_factory=list)
    weakest_categories: list[Ranked] = field(default_factory=list)
    most_missed_questions: list[Ranked] = field(default_factory=list)


def resolve_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Defaults: up to today, 30 days long (a lone `from` runs 30 days from it)."""
    if date_to is None:
        date_to = local_today() if date_from is None else date_from + timedelta(DEFAULT_DAYS - 1)
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    return date_from, date_to


def zones_in_reach(officer: User | None, zone_id: int | None) -> set[int] | None:
    """The zone keys the report covers (None: every one, users without a zone too)."""
    scope = zones.scope_of(officer)
    if zone_id is None:
        return None if scope.citywide else set(scope.zone_ids)
    scope.require(zone_id, "区域不存在")
    zones.get_zone(zone_id)
    return zones.subtree({zone_id})


def _kept(column, zone_keys: set[int] | None):
    return True if zone_keys is None else column.in_(zone_keys or {-1})


def days_in(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def collect(first: date, last: date, zone_keys: set[int] | None, groupings) -> dict:
    """Figures summed by each grouping of ("day", "zone_id") — {grouping: {key: {name:
    n}}}, with `enrolled_max` the largest `enrolled_volunteers` (enrollments only grow, so
    the last day's) — plus "articles" {id: reads} and "questions" {id: [answered, right]}.
    Rolled-up days are summed by the database, the others computed live."""
    rolled = rollup.rolled_up_days(first, last)
    found: dict = {grouping: defaultdict(lambda: defaultdict(int)) for grouping in groupings}
    sums = [func.sum(getattr(DailyStats, name)) for name in COUNTS]
    for grouping in groupings:
        keys = [getattr(DailyStats, name) for name in grouping]
        query = select(*keys, *sums, func.max(DailyStats.enrolled_volunteers)).where(
            DailyStats.day >= first,
            DailyStats.day <= last,
            DailyStats.day.in_(rolled),
            _kept(DailyStats.zone_id, zone_keys),
        )
        for row in db.session.execute(query.group_by(*keys)):
            values = dict(zip((*COUNTS, "enrolled_max"), row[len(keys) :], strict=True))
            found[grouping][tuple(row[: len(keys)])] = defaultdict(int, values)
    data = {"groups": found, "articles": defaultdict(int), "questions": defaultdict(lambda: [0, 0])}
    _rolled_ranked(first, last, rolled, zone_keys, data["articles"], data["questions"])
    for day in days_in(first, last):
        if day not in rolled:
            _live_day(day, zone_keys, data)
    return data


def _rolled_ranked(first, last, rolled, zone_keys, articles, questions) -> None:
    reads = select(DailyArticleReads.article_id, func.sum(DailyArticleReads.reads)).where(
        DailyArticleReads.day >= first,
        DailyArticleReads.day <= last,
        DailyArticleReads.day.in_(rolled),
        _kept(DailyArticleReads.zone_id, zone_keys),
    )
    for article_id, count in db.session.execute(reads.group_by(DailyArticleReads.article_id)):
        articles[article_id] += int(count)
    model = DailyQuestionAnswers
    answers = select(model.question_id, func.sum(model.answered), func.sum(model.correct)).where(
        model.day >= first,
        model.day <= last,
        model.day.in_(rolled),
        _kept(model.zone_id, zone_keys),
    )
    for question_id, answered, correct in db.session.execute(answers.group_by(model.question_id)):
        questions[question_id][0] += int(answered)
        questions[question_id][1] += int(correct)


def _live_day(day: date, zone_keys: set[int] | None, data: dict) -> None:
    figures = rollup.compute_day(day)

    def kept(zone_id: int) -> bool:
        return zone_keys is None or zone_id in zone_keys

    for zone_id, values in figures.zones.items():
        if not kept(zone_id):
            continue
        place = {"day": day, "zone_id": zone_id}
        for grouping, found in data["groups"].items():
            target = found[tuple(place[name] for name in grouping)]
            for name, value in values.items():
                target[name] = int(target.get(name) or 0) + value
            enrolled = values.get("enrolled_volunteers", 0)
            target["enrolled_max"] = max(int(target.get("enrolled_max") or 0), enrolled)
    for (zone_id, article_id), reads in figures.articles.items():
        if kept(zone_id):
            data["articles"][article_id] += reads
    for (zone_id, question_id), (answered, right) in figures.questions.items():
        if kept(zone_id):
            data["questions"][question_id][0] += answered
            data["questions"][question_id][1] += right


def statistics(
    officer: User | None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    zone_id: int | None = None,
) -> Report:
    """The officer's figures for the days `date_from`..`date_to` (both included)."""
    first, last = resolve_range(date_from, date_to)
    zone_keys = zones_in_reach(officer, zone_id)
    data = collect(first, last, zone_keys, [("day",), ("zone_id",)])
    days = days_in(first, last)
    totals = Figures(days=len(days))
    per_day = {day: Figures(day=day) for day in days}
    for (day,), values in data["groups"][("day",)].items():
        per_day[day].add(values)
        totals.add(values)
    per_zone: dict[int, Figures] = {}
    for (zone,), values in data["groups"][("zone_id",)].items():
        per_zone[zone] = Figures(days=len(days), enrolled_at_end=int(values["enrolled_max"]))
        per_zone[zone].add(values)
    totals.enrolled_at_end = sum(item.enrolled_at_end for item in per_zone.values())
    return Report(
        date_from=first,
        date_to=last,
        zone_id=zone_id,
        totals=totals,
        days=list(per_day.values()),
        zones=_zone_list(per_zone),
        top_articles=_top_articles(data["articles"]),
        weakest_categories=_weakest_categories(data["questions"]),
        most_missed_questions=_most_missed(data["questions"]),
    )


def _zone_list(per_zone: dict[int, Figures]) -> list[Figures]:
    names = zones.zone_names([zone for zone in per_zone if zone != NO_ZONE])
    for zone, figures in per_zone.items():
        figures.zone_id = None if zone == NO_ZONE else zone
        figures.zone_name = names.get(zone, "未归属区域")
    listed = list(per_zone.values())
    return sorted(listed, key=lambda item: (item.zone_id is None, item.zone_id or 0))


def _top_articles(reads: dict[int, int]) -> list[Ranked]:
    best = sorted(((-count, article_id) for article_id, count in reads.items() if count))[:TOP]
    titles = dict(
        db.session.execute(
            select(Article.id, Article.title).where(Article.id.in_([a for _, a in best]))
        ).all()
    )
    return [Ranked(article_id, titles.get(article_id, ""), -count) for count, article_id in best]


def _question_rows(answers: dict[int, list[int]]):
    if not answers:
        return []
    return db.session.execute(
        select(Question.id, Question.stem, Category.id, Category.slug, Category.name)
        .join(Category, Category.id == Question.category_id)
        .where(Question.id.in_(list(answers)))
    ).all()


def _weakest_categories(answers: dict[int, list[int]]) -> list[Ranked]:
    """Fraud types by facility, lowest first (ties: more answers first)."""
    sums: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for question_id, _stem, category_id, slug, name in _question_rows(answers):
        sums[(category_id, slug, name)][0] += answers[question_id][0]
        sums[(category_id, slug, name)][1] += answers[question_id][1]
    ranked = [
        Ranked(category_id, name, answered=n, correct=right, category=slug)
        for (category_id, slug, name), (n, right) in sums.items()
        if n
    ]
    return sorted(ranked, key=lambda r: (r.facility, -r.answered, r.id))[:TOP]


def _most_missed(answers: dict[int, list[int]]) -> list[Ranked]:
    """Questions by wrong answers, most first (ties: lower facility, then id)."""
    ranked = [
        Ranked(question_id, stem, answered=answers[question_id][0],
               correct=answers[question_id][1], category=slug)
        for question_id, stem, _category_id, slug, _name in _question_rows(answers)
    ]  # fmt: skip
    missed = [item for item in ranked if item.missed]
    return sorted(missed, key=lambda r: (-r.missed, r.facility, r.id))[:TOP]
