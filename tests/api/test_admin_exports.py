"""GET /admin/exports/{kind}.{format}: the bytes (BOM, Chinese header row, a defused
formula), the XLSX read back with openpyxl, scoping, the audit entry written before the
stream, and a 100,000-row export whose memory stays bounded."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.rewards.models import Redemption
from miniapp_api.storage import db
from miniapp_api.users.models import User
from tests.factories import EnrollmentFactory, EventFactory, RedemptionFactory, RewardFactory
from tests.factories.zones import RoleZoneFactory
from tests.helpers import assert_error, station_world

EXPORTS = "/api/v1/admin/exports"
KINDS = ("volunteers", "promoters", "enrollments", "redemptions", "events", "stats")


@pytest.fixture
def world(app_ctx):
    people = station_world()
    EnrollmentFactory(promoter=people.promoter, volunteer__nickname="=SUM(A1)")
    RedemptionFactory(user=people.volunteer)
    EventFactory(promoter=people.promoter, title="+反诈集市")
    return people


def rows_of(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), data[:10]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def audit_entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_csv_has_a_bom_chinese_headers_and_defused_formulas(client, world, auth_headers):
    response = client.get(f"{EXPORTS}/volunteers.csv", headers=auth_headers(world.admin))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data().startswith(b"\xef\xbb\xbf\xe5\xbf\x97")  # BOM, then 志
    rows = rows_of(response)
    assert rows[0] == ["志愿者编号", "昵称", "所属区域", "宣传员", "加入时间", "答题合格时间",
                       "账号状态", "积分余额"]  # fmt: skip
    nicknames = {row[1] for row in rows[1:]}
    assert {"志愿者老李", "志愿者老陈", "'=SUM(A1)"} <= nicknames
    assert "=SUM(A1)" not in nicknames
    assert rows[1][4].startswith("2026-") and "+" not in rows[1][4]  # local time, no offset


def test_an_xlsx_opens_with_chinese_text_and_the_escaped_cell(client, world, auth_headers):
    response = client.get(f"{EXPORTS}/volunteers.xlsx", headers=auth_headers(world.admin))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["志愿者编号", "昵称", "所属区域"]
    assert "志愿者老李" in {row[1] for row in rows}
    assert "'=SUM(A1)" in {row[1] for row in rows}
    assert sheet.title == "志愿者"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_audited_with_its_filters(client, world, auth_headers, kind, fmt):
    before = len(audit_entries())
    response = client.get(
        f"{EXPORTS}/{kind}.{fmt}", query_string={"zone_id": world.town.id},
        headers=auth_headers(world.officer),
    )  # fmt: skip
    assert response.status_code == 200
    entries = audit_entries()
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.action, entry.actor_id, entry.object_id) == (
        f"export.{kind}", world.officer.id, f"{kind}.{fmt}",
    )  # fmt: skip
    assert entry.changes == {"format": [None, fmt], "zone_id": [None, world.town.id]}
    assert entry.zone_id == world.town.id
    body = response.get_data()
    for secret in (b"o-volunteer", b"o-promoter", b"fake-session-key", b"13988880000"):
        assert secret not in body


@pytest.mark.parametrize("kind", KINDS)
def test_a_station_admin_exports_only_its_zones(client, world, auth_headers, kind):
    rows = rows_of(client.get(f"{EXPORTS}/{kind}.csv", headers=auth_headers(world.officer)))
    text = "\n".join(",".join(row) for row in rows)
    assert "宗汉" not in text and "志愿者老陈" not in text and "宣传员小赵" not in text
    if kind in ("volunteers", "enrollments"):
        assert "志愿者老李" in text
    if kind == "promoters":
        assert rows[1][1] == "宣传员小王" and rows[1][4] == "139****0000"
    if kind == "events":
        assert rows[1][1] == "'+反诈集市"


def test_a_zone_out_of_reach_is_404_and_records_nothing(client, world, auth_headers):
    before = len(audit_entries())
    response = client.get(
        f"{EXPORTS}/volunteers.csv", query_string={"zone_id": world.other.id},
        headers=auth_headers(world.officer),
    )  # fmt: skip
    assert_error(response, 404, "NOT_FOUND")
    assert len(audit_entries()) == before


def test_unknown_kinds_and_formats_are_404(client, world, auth_headers):
    headers = auth_headers(world.admin)
    assert_error(client.get(f"{EXPORTS}/users.csv", headers=headers), 404, "NOT_FOUND")
    assert_error(client.get(f"{EXPORTS}/volunteers.pdf", headers=headers), 404, "NOT_FOUND")


def test_residents_may_not_export(client, world, auth_headers):
    response = client.get(f"{EXPORTS}/volunteers.csv", headers=auth_headers(world.resident))
    assert_error(response, 403, "FORBIDDEN")


ROWS = 100_000


def seed_redemptions(user: User) -> None:
    """100,000 redemptions by one user, inserted in bulk (rows nothing else points at, so
    the tables empty quickly after the test)."""
    reward, now = RewardFactory(), user.created_at
    for start in range(0, ROWS, 10_000):
        db.session.execute(insert(Redemption), [
            {"user_id": user.id, "reward_id": reward.id, "points_cost": 10, "code": f"B{n:09d}",
             "status": "pending", "created_at": now, "zone_id": user.zone_id}
            for n in range(start, min(start + 10_000, ROWS))
        ])  # fmt: skip
    db.session.commit()


def streamed_peak(client, path: str, headers: dict) -> tuple[int, int, int]:
    """(bytes, rows or 0, peak traced memory) of consuming the streamed body chunk by chunk."""
    tracemalloc.start()
    try:
        response = client.get(path, headers=headers, buffered=False)
        assert response.status_code == 200
        size = lines = 0
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        return size, lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_100000_row_export_streams_in_bounded_memory(client, app_ctx, auth_headers):
    people = station_world()
    seed_redemptions(people.volunteer)
    headers = auth_headers(people.admin)
    size, lines, peak = streamed_peak(client, f"{EXPORTS}/redemptions.csv", headers)
    assert lines == ROWS + 1  # the header and the rows
    assert size > 6_000_000
    # The whole file, or all rows fetched at once, would be several times the bound.
    assert peak < 12_000_000, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_the_stats_export_has_a_row_per_day_and_zone(client, world, auth_headers):
    rows = rows_of(client.get(f"{EXPORTS}/stats.csv",
                              headers=auth_headers(world.officer)))  # fmt: skip
    assert rows[0][:7] == ["日期", "区域编号", "区域", "活跃用户", "活跃志愿者", "已加入志愿者",
                           "新用户"]  # fmt: skip
    body = rows[1:]
    assert {row[2] for row in body} == {"白沙社区"}  # the town itself has no users
    assert sum(int(row[6]) for row in body) == 3  # the promoter and its two volunteers
    assert {int(row[5]) for row in body} == {2}  # both volunteers enrolled by each day's end


def test_a_promoters_volunteers_are_counted_per_zone(client, world, auth_headers):
    """A promoter working in two zones: each zone's row counts that zone's volunteers, so
    a station admin never learns another zone's figure."""

    def counts(headers) -> dict[str, str]:
        rows = rows_of(client.get(f"{EXPORTS}/promoters.csv", headers=headers))
        return {row[5]: row[6] for row in rows[1:] if row[1] == "宣传员小王"}

    [here] = counts(auth_headers(world.officer)).values()
    promoter = db.session.get(User, world.promoter.id)
    RoleZoneFactory(user=promoter, zone=world.other, role="promoter")
    for _ in range(3):
        EnrollmentFactory(promoter=promoter, zone_id=world.other.id)
    assert counts(auth_headers(world.officer)) == {world.street.name: here}
    assert counts(auth_headers(world.admin)) == {world.street.name: here, world.other.name: "3"}
