"""Content administration's use cases without HTTP: fraud types (and the content sync
that wins over an admin edit), local warnings within a station's reach, what a reader of
a zone is shown, and the audit entries (an idempotent replay records none)."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.articles import admin_service
from miniapp_api.articles import service as articles
from miniapp_api.audit.models import AuditEntry
from miniapp_api.content.files import CategoryData
from miniapp_api.content.sync import sync_categories
from miniapp_api.errors import Forbidden, NotFound
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import utcnow
from tests.factories import (
    AlertFactory,
    ArticleFactory,
    CategoryFactory,
    StationAdminFactory,
    UserFactory,
    ZoneFactory,
)

DESCRIPTION = "骗子冒充快递客服，以理赔为名诱导受害人开通借贷并转账。"


def actions(object_type: str) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


@pytest.fixture
def admin(app_ctx, clock):
    return UserFactory(roles=["admin"])


def warning(**values) -> dict:
    return {
        "slug": "local",
        "kind": "warning",
        "level": "medium",
        "title": "辖区预警",
        "summary": "辖区内近期冒充客服诈骗高发。",
        "body": "请通过官方渠道核实。",
        "category": None,
        "published_at": utcnow(),
        "expires_at": None,
        "zone_ids": [],
        **values,
    }


def test_a_fraud_type_is_created_edited_and_then_the_file_wins(admin):
    values = {
        "slug": "kuaidi-lipei",
        "name": "快递理赔",
        "description": DESCRIPTION,
        "risk_groups": ["elderly"],
        "sort_order": 5,
    }
    created = admin_service.create_category(values, admin)
    with pytest.raises(admin_service.SlugTaken):
        admin_service.create_category(values, admin)
    edited = admin_service.update_category(created.category.id, {"name": "理赔诈骗"}, admin)
    assert edited.category.name == "理赔诈骗"
    admin_service.update_category(created.category.id, {"name": "理赔诈骗"}, admin)  # no change
    assert actions("category") == ["category.create", "category.update"]
    from_file = CategoryData("kuaidi-lipei", "文件里的名字", DESCRIPTION, ("students",), 1)
    with unit_of_work():
        sync_categories([from_file], Counter())
    db.session.expire_all()
    again = admin_service.get_category(created.category.id).category
    assert (again.name, again.risk_groups, again.sort_order) == ("文件里的名字", ["students"], 1)


def test_counts_per_fraud_type(admin):
    shown, empty = CategoryFactory(), CategoryFactory()
    ArticleFactory(category=shown)
    ArticleFactory(category=shown, status="archived")
    ArticleFactory(category=shown, published_at=utcnow() + timedelta(days=1), status="scheduled")
    page = admin_service.admin_categories(1, 20)
    counts = {item.category.id: (item.article_count, item.articles_total) for item in page.items}
    assert counts == {shown.id: (1, 3), empty.id: (0, 0)}


def test_a_station_admin_publishes_only_local_warnings_in_its_reach(admin):
    street = ZoneFactory()
    community = ZoneFactory(parent_id=street.id)
    station = StationAdminFactory(zone=street)
    local = admin_service.create_alert(warning(zone_ids=[community.id, community.id]), station)
    assert local.zone_ids == [community.id]
    with pytest.raises(Forbidden):
        admin_service.create_alert(warning(slug="citywide"), station)
    with pytest.raises(NotFound):
        admin_service.create_alert(warning(slug="other", zone_ids=[ZoneFactory().id]), station)
    with pytest.raises(NotFound):  # an unknown zone, even for an admin
        admin_service.create_alert(warning(slug="unknown", zone_ids=[999_999]), admin)
    assert admin_service.create_alert(warning(slug="citywide"), admin).zone_ids == []
    admin_service.archive_alert(local.id, station)
    admin_service.archive_alert(local.id, station)  # archiving again records nothing
    assert actions("alert") == ["alert.create", "alert.create", "alert.archive"]
    assert [a.id for a in admin_service.admin_alerts(station, None, 1, 20).items] == [local.id]


def test_readers_get_the_warnings_of_their_zone_and_the_zones_above_it(admin):
    street = ZoneFactory()
    community = ZoneFactory(parent_id=street.id)
    citywide = AlertFactory()
    upper = AlertFactory(zone_ids=[street.id])
    lower = AlertFactory(zone_ids=[community.id])

    def seen(reader):
        return {view.alert.id for view in articles.alerts(None, 1, 20, reader).items}

    assert seen(None) == {citywide.id}
    assert seen(UserFactory(zone_id=community.id)) == {citywide.id, upper.id, lower.id}
    assert seen(UserFactory(zone_id=street.id)) == {citywide.id, upper.id}
    assert seen(UserFactory(zone_id=ZoneFactory().id)) == {citywide.id}


def test_an_article_republished_unchanged_records_nothing(admin):
    article = ArticleFactory()
    admin_service.publish_article(article.id, None, admin)
    admin_service.update_article(article.id, {}, admin)
    assert actions("article") == []
    admin_service.archive_article(article.id, admin)
    assert actions("article") == ["article.archive"]
