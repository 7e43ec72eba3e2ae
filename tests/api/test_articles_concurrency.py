"""Reading races through a real HTTP server: many requests of one reader at the same moment."""

import httpx
import pytest
from sqlalchemy import select

from miniapp_api.articles.models import ArticleRead
from miniapp_api.points.models import PointsEntry
from miniapp_api.storage import db
from tests.factories import ArticleFactory
from tests.helpers import fire_at_once

PARALLEL = 8


@pytest.fixture
def app(app_factory):
    return app_factory(ARTICLE_MIN_READ_SECONDS=15)


def test_parallel_reads_of_one_article_pay_once(app, live_server, clock, make_user, auth_headers):
    """8 simultaneous "finished reading" requests: one award, one reader counted."""
    user, article = make_user(), ArticleFactory()
    headers, user_id, article_id = auth_headers(user), user.id, article.id
    opened = app.test_client().get(f"/api/v1/articles/{article_id}", headers=headers)
    assert opened.status_code == 200
    clock.advance(seconds=16)

    def send():
        return httpx.post(
            f"{live_server}/api/v1/articles/{article_id}/read", headers=headers, timeout=30
        )

    responses = fire_at_once(PARALLEL, send)
    assert {r.status_code for r in responses} == {200}
    assert sorted(r.json()["points_awarded"] for r in responses) == [0] * (PARALLEL - 1) + [2]
    assert sum(r.json()["first_read"] for r in responses) == 1
    db.session.expire_all()
    entries = db.session.scalars(select(PointsEntry).where(PointsEntry.user_id == user_id)).all()
    assert [(e.reason, e.delta) for e in entries] == [("article_read", 2)]
    body = app.test_client().get(f"/api/v1/articles/{article_id}").get_json()
    assert body["read_count"] == 1


def test_parallel_first_openings_record_one_reading(app, live_server, make_user, auth_headers):
    """8 simultaneous first openings by one reader: one reading row, every one answered."""
    user, article = make_user(), ArticleFactory()
    headers, user_id, article_id = auth_headers(user), user.id, article.id

    def send():
        return httpx.get(f"{live_server}/api/v1/articles/{article_id}", headers=headers, timeout=30)

    responses = fire_at_once(PARALLEL, send)
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["read"] for r in responses} == {False}
    db.session.expire_all()
    rows = db.session.scalars(select(ArticleRead).where(ArticleRead.user_id == user_id)).all()
    assert [row.article_id for row in rows] == [article_id]
