"""`flask users grant`, `revoke` and `find`: an operator's commands on the server, through
the same use cases as the API, audited with `via="cli"` and no actor."""

import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.users.models import User
from miniapp_api.zones.models import RoleZone
from tests.factories import UserFactory, ZoneFactory
from tests.helpers import station_world


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def audit_entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_grant_by_openid_with_zones_is_audited_as_the_operator(runner, app_ctx):
    user = UserFactory(openid="oPolice-0001")
    first, second = ZoneFactory(), ZoneFactory()
    args = ["users", "grant", "oPolice-0001", "station_admin"]
    result = runner.invoke(args=[*args, "--zone", str(first.id), "--zone", str(second.id)])
    assert result.exit_code == 0, result.output
    assert f"user {user.id}: roles resident, station_admin" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).has_role("station_admin")
    zones = set(db.session.scalars(select(RoleZone.zone_id).where(RoleZone.user_id == user.id)))
    assert zones == {first.id, second.id}
    (entry,) = audit_entries()
    assert (entry.action, entry.actor_id, entry.via, entry.object_id) == (
        "role.grant",
        None,
        "cli",
        str(user.id),
    )
    assert entry.changes["roles"] == [["resident"], ["resident", "station_admin"]]


def test_grant_refuses_what_the_api_refuses(runner, app_ctx):
    user = UserFactory()
    missing_zone = runner.invoke(args=["users", "grant", str(user.id), "promoter"])
    assert missing_zone.exit_code != 0
    assert "zone_ids" in missing_zone.output and "该角色必须指定区域" in missing_zone.output
    unknown_zone = runner.invoke(args=["users", "grant", str(user.id), "promoter", "--zone", "999"])
    assert unknown_zone.exit_code != 0 and "区域不存在" in unknown_zone.output
    unknown_user = runner.invoke(args=["users", "grant", "nobody", "admin"])
    assert unknown_user.exit_code != 0 and "用户不存在" in unknown_user.output
    bad_role = runner.invoke(args=["users", "grant", str(user.id), "resident"])
    assert bad_role.exit_code != 0
    assert audit_entries() == []


def test_revoke_takes_the_role_and_its_zones(runner, app_ctx):
    world = station_world()
    result = runner.invoke(args=["users", "revoke", str(world.officer.id), "station_admin"])
    assert result.exit_code == 0, result.output
    assert f"user {world.officer.id}: roles resident; zones none" in result.output
    db.session.expire_all()
    assert not db.session.get(User, world.officer.id).has_role("station_admin")
    (entry,) = audit_entries()
    assert (entry.action, entry.actor_id, entry.via, entry.zone_id) == (
        "role.revoke",
        None,
        "cli",
        world.town.id,
    )


def test_find_prints_id_nickname_roles_zone_and_status(runner, app_ctx):
    world = station_world()
    result = runner.invoke(args=["users", "find", "0000"])  # the promoter's phone ending
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{world.promoter.id}\t宣传员小王\tresident,promoter\t{world.street.id} 白沙社区\tactive"
    ]
    resident = runner.invoke(args=["users", "find", "居民小张"])
    assert resident.output.splitlines() == [f"{world.resident.id}\t居民小张\tresident\t-\tactive"]
    assert runner.invoke(args=["users", "find", "%"]).output.strip() == "no user found"
    for n in range(3):
        UserFactory(nickname=f"同名{n}")
    limited = runner.invoke(args=["users", "find", "同名", "--limit", "2"])
    assert len(limited.output.splitlines()) == 3
    assert "and 1 more" in limited.output
    assert audit_entries() == []
