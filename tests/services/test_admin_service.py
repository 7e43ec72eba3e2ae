"""The administration reads and the officer's reach over accounts, called directly."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from miniapp_api.admin import service as admin
from miniapp_api.audit.models import AuditEntry
from miniapp_api.errors import Forbidden, NotFound
from miniapp_api.points import admin_service as points_admin
from miniapp_api.storage import db
from miniapp_api.users import admin_service as users_admin
from miniapp_api.users.models import BANNED
from miniapp_api.zones import admin_service as zones_admin
from tests.factories import AuditEntryFactory, UserFactory
from tests.helpers import station_world


@pytest.fixture
def world(app_ctx):
    return station_world()


def entries_of(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_operator_finds_everyone_and_an_officer_its_reach(world):
    everyone = {s.user.id for s in admin.find_users(None, per_page=100).items}
    assert {world.admin.id, world.resident.id, world.outsider.id, world.volunteer.id} <= everyone
    mine = admin.find_users(world.officer, per_page=100)
    assert {s.user.id for s in mine.items} == {world.promoter.id, world.volunteer.id}
    assert mine.total == 2
    assert {s.zone_name for s in mine.items} == {"白沙社区"}


def test_the_search_combines_its_ways_with_or(world):
    twin = UserFactory(
        nickname=f"用户{world.promoter.id}", openid="o-twin"
    )  # a nickname holding an id
    q = str(world.promoter.id)
    found = admin.find_users(None, q=q).items
    assert {world.promoter.id, twin.id} <= {s.user.id for s in found}
    assert all(s.user.id == world.promoter.id or q in s.user.nickname for s in found)
    huge = admin.find_users(None, q="9" * 30)  # no id that long: no overflow either
    assert huge.items == []


def test_an_operator_names_a_user_by_id_or_openid(world):
    assert admin.find_user(str(world.volunteer.id)) == world.volunteer
    assert admin.find_user(world.volunteer.openid) == world.volunteer
    numeric = UserFactory(openid="99999")
    assert admin.find_user("99999") == numeric  # no user 99999: then it is an openid
    gone = UserFactory(status="deleted")
    for ref in ("nobody", str(gone.id), gone.openid, "1" * 40):
        with pytest.raises(NotFound):
            admin.find_user(ref)


def test_a_users_file_is_scoped_like_the_directory(world):
    file = admin.user_file(world.officer, world.volunteer.id)
    assert file.enrollment.promoter_id == world.promoter.id
    assert file.enrollment.zone_name == "白沙社区"
    assert (file.ledger, file.redemptions, file.volunteer_count) == ([], [], None)
    assert admin.user_file(world.officer, world.promoter.id).volunteer_count == 1
    for user in (world.outsider, world.resident):
        with pytest.raises(NotFound):
            admin.user_file(world.officer, user.id)
    assert admin.user_file(None, world.resident.id).zone_name is None


def test_the_audit_log_is_read_by_days_and_reach(world):
    early = AuditEntryFactory(
        created_at=datetime(2026, 11, 17, 15, 59, tzinfo=UTC), zone_id=world.street.id
    )
    late = AuditEntryFactory(
        created_at=datetime(2026, 11, 17, 16, 0, tzinfo=UTC), zone_id=world.street.id
    )
    AuditEntryFactory(created_at=datetime(2026, 11, 17, 16, 0, tzinfo=UTC), zone_id=None)
    page = admin.audit_entries(world.officer, date_from=date(2026, 11, 18))
    assert [item.entry.id for item in page.items] == [late.id]
    page = admin.audit_entries(world.officer, date_to=date(2026, 11, 17))
    assert [item.entry.id for item in page.items] == [early.id]
    assert admin.audit_entries(world.admin).total == 3
    assert admin.audit_entries(world.officer).items[0].actor_nickname is None


def test_a_station_admins_ban_is_scoped_and_audited(world):
    users_admin.change_status(world.volunteer.id, BANNED, world.officer, "散布诈骗链接")
    (entry,) = entries_of("user.ban")
    assert (entry.actor_id, entry.via, entry.object_id, entry.zone_id) == (
        world.officer.id,
        "api",
        str(world.volunteer.id),
        world.street.id,
    )
    assert (entry.reason, entry.changes) == ("散布诈骗链接", {"status": ["active", "banned"]})
    for user in (world.outsider, world.resident):
        with pytest.raises(NotFound):
            users_admin.change_status(user.id, BANNED, world.officer, "测试封禁")
    colleague = UserFactory(roles=["station_admin"], zone_id=world.street.id)
    with pytest.raises(Forbidden):
        users_admin.change_status(colleague.id, BANNED, world.officer, "测试封禁")
    users_admin.change_status(colleague.id, BANNED, world.admin, "测试封禁")
    assert len(entries_of("user.ban")) == 2


def test_a_station_admins_adjustment_is_scoped_and_audited(world):
    result = points_admin.adjust(world.volunteer.id, 15, "活动补录", world.officer, None)
    assert result.balance == 15
    (entry,) = entries_of("points.adjust")
    assert (entry.actor_id, entry.zone_id, entry.reason, entry.changes) == (
        world.officer.id,
        world.street.id,
        "活动补录",
        {"points_balance": [0, 15]},
    )
    with pytest.raises(NotFound):
        points_admin.adjust(world.outsider.id, 15, "活动补录", world.officer, None)
    with pytest.raises(NotFound):
        points_admin.adjust(world.resident.id, 15, "活动补录", world.officer, None)
    assert len(entries_of("points.adjust")) == 1


def test_an_operator_grants_and_revokes_roles_city_wide(world):
    granted = zones_admin.grant_role(world.resident.id, "station_admin", [world.other.id], None)
    assert "station_admin" in granted.roles
    (entry,) = entries_of("role.grant")
    assert (entry.actor_id, entry.via, entry.zone_id) == (None, "cli", world.other.id)
    revoked = zones_admin.revoke_role(world.admin.id, "admin", None)  # no self to protect
    assert "admin" not in revoked.roles
    (entry,) = entries_of("role.revoke")
    assert (entry.actor_id, entry.via, entry.reason) == (None, "cli", "admin")
