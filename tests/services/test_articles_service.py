"""The reading use cases called directly: opening an article starts the reading clock
once; finishing it pays reading points once, after the minimum time, all or nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.articles import reading
from miniapp_api.articles.models import DRAFT, ArticleRead
from miniapp_api.articles.service import ReadTooFast, mark_read, open_article
from miniapp_api.errors import NotFound
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from tests.factories import ArticleFactory


@pytest.fixture
def app(app_factory):
    return app_factory(ARTICLE_MIN_READ_SECONDS=15)


def readings(user) -> list[ArticleRead]:
    db.session.expire_all()
    return list(db.session.scalars(select(ArticleRead).where(ArticleRead.user_id == user.id)))


def ledger(user) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(PointsEntry.reason, PointsEntry.ref, PointsEntry.delta).where(
            PointsEntry.user_id == user.id
        )
    )
    return [tuple(row) for row in rows]


def read_count(article) -> int:
    db.session.expire_all()
    return article.read_count


# ---- opening ------------------------------------------------------------------------------


def test_the_first_opening_starts_the_reading_clock_once(app_ctx, clock, make_user):
    """Opening by slug or id shows the article; only the first opening is recorded."""
    user, article = make_user(), ArticleFactory()
    opened = open_article(article.slug, user)
    assert (opened.article.id, opened.read, opened.min_read_seconds) == (article.id, False, 15)
    first = clock.now()
    clock.advance(minutes=5)
    open_article(str(article.id), user)
    assert [(r.article_id, r.opened_at, r.read_at) for r in readings(user)] == [
        (article.id, first, None)
    ]


def test_opening_without_a_reader_records_nothing(app_ctx, clock):
    article = ArticleFactory()
    assert open_article(str(article.id), None).read is False
    assert db.session.scalar(select(func.count()).select_from(ArticleRead)) == 0


def test_hidden_articles_are_not_found(app_ctx, clock, make_user):
    """Drafts and articles scheduled for later are neither opened nor finished."""
    user = make_user()
    draft = ArticleFactory(status=DRAFT)
    later = ArticleFactory(published_at=clock.now() + timedelta(hours=1))
    for hidden in (draft, later):
        with pytest.raises(NotFound):
            open_article(hidden.slug, user)
        with pytest.raises(NotFound):
            mark_read(user, hidden.id)
    with pytest.raises(NotFound):
        open_article("no-such-article", user)
    assert readings(user) == []


# ---- finishing ----------------------------------------------------------------------------


def test_finishing_unopened_or_too_fast_is_refused_and_writes_nothing(app_ctx, clock, make_user):
    user, article = make_user(), ArticleFactory()
    with pytest.raises(ReadTooFast):
        mark_read(user, article.id)  # never opened
    open_article(article.slug, user)
    clock.advance(seconds=10)
    with pytest.raises(ReadTooFast) as refused:
        mark_read(user, article.id)
    assert "6 秒" in refused.value.message
    assert [r.read_at for r in readings(user)] == [None]
    assert (read_count(article), ledger(user), user.points_balance) == (0, [], 0)


def test_after_the_minimum_time_reading_pays_once(app_ctx, clock, make_user):
    user, article = make_user(), ArticleFactory()
    open_article(article.slug, user)
    clock.advance(seconds=16)
    first = mark_read(user, article.id)
    assert first == reading.ReadResult(article.id, True, 2, False, 2)
    again = mark_read(user, article.id)
    assert again == reading.ReadResult(article.id, False, 0, False, 2)
    assert [r.read_at for r in readings(user)] == [clock.now()]
    assert ledger(user) == [("article_read", f"article:{article.id}", 2)]
    assert read_count(article) == 1
    assert open_article(article.slug, user).read is True


@pytest.mark.parametrize("step", ["award", "count_reader"])
def test_a_failure_after_the_writes_leaves_the_reading_unfinished(
    app_ctx, clock, make_user, monkeypatch, step
):
    """Whatever fails once `read_at` is written (the award, or counting the reader after
    it), nothing of the use case stays: no `read_at`, no points, the count unchanged; and
    the reader can still finish the article."""
    user, article = make_user(), ArticleFactory()
    open_article(article.slug, user)
    clock.advance(seconds=16)
    module, name = (points, "award") if step == "award" else (reading, "_count_reader")
    real = getattr(module, name)

    def write_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("failed after writing")

    monkeypatch.setattr(module, name, write_then_fail)
    with pytest.raises(RuntimeError):
        mark_read(user, article.id)
    assert [r.read_at for r in readings(user)] == [None]
    assert (read_count(article), ledger(user), user.points_balance) == (0, [], 0)
    monkeypatch.undo()
    assert mark_read(user, article.id).points_awarded == 2
    assert read_count(article) == 1
