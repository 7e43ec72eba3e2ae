"""GET /admin/exports/{kind}.{format}: the export is audited first, in its own unit of
work (who exported which personal data, with the filters), then streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from miniapp_api.audit import service as audit
from miniapp_api.reports import export_kinds as kinds
from miniapp_api.reports.figures import Figures
from miniapp_api.reports.stats import collect, days_in, resolve_range, zones_in_reach
from miniapp_api.reports.writers import chunks
from miniapp_api.timeutil import local_today
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones

FORMATS = ("csv", "xlsx")
STATS_HEADER = (
    "日期", "区域编号", "区域", "活跃用户", "活跃志愿者", "已加入志愿者", "新用户", "完成阅读",
    "答题次数", "平均得分", "新加入志愿者", "活动签到", "发放积分", "兑换积分",
)  # fmt: skip


def stats_rows(filters: kinds.Filters) -> Iterator[tuple]:
    """One row per (day, zone) with any figure, days first."""
    first, last = resolve_range(filters.first, filters.last)
    cells = collect(first, last, filters.zone_keys, [("day", "zone_id")])["groups"]
    cells = {key: values for key, values in cells[("day", "zone_id")].items()}
    names = zones.zone_names(sorted({zone for _, zone in cells if zone}))
    order = {day: n for n, day in enumerate(days_in(first, last))}
    for day, zone in sorted(cells, key=lambda key: (order[key[0]], key[1])):
        figures = Figures()
        figures.add(cells[(day, zone)])
        yield (
            day.isoformat(), zone or None, names.get(zone, "未归属区域"), figures.active_users,
            figures.active_volunteers, figures.enrolled_volunteers, figures.new_users,
            figures.articles_read, figures.quiz_sessions, figures.quiz_average_score,
            figures.enrollments, figures.event_checkins, figures.points_issued,
            figures.points_redeemed,
        )  # fmt: skip


KINDS: dict[str, kinds.Kind] = {
    "volunteers": kinds.Kind("志愿者", (
        "志愿者编号", "昵称", "所属区域", "宣传员", "加入时间", "答题合格时间", "账号状态",
        "积分余额"), kinds.volunteer_rows),
    "promoters": kinds.Kind("宣传员", (
        "用户编号", "昵称", "姓名", "单位", "手机号（脱敏）", "区域", "志愿者人数", "账号状态"),
        kinds.promoter_rows),
    "enrollments": kinds.Kind("入组记录", (
        "记录编号", "志愿者编号", "志愿者昵称", "账号状态", "宣传员编号", "宣传员昵称", "区域",
        "入组判定", "距围栏边界（米）", "加入时间", "答题合格时间"), kinds.enrollment_rows),
    "redemptions": kinds.Kind("兑换记录", (
        "兑换编号", "用户编号", "昵称", "奖品", "所需积分", "状态", "领取区域", "兑换时间",
        "处理时间", "处理人"), kinds.redemption_rows),
    "events": kinds.Kind("活动", (
        "活动编号", "名称", "区域", "组织者", "地点", "开始时间", "结束时间", "状态", "签到人数",
        "取消原因"), kinds.event_rows),
    "stats": kinds.Kind("统计", STATS_HEADER, stats_rows),
}  # fmt: skip


@audit.audited
def record_export(
    officer: User | None, kind: str, fmt: str, filters: dict[str, Any], zone_id: int | None
) -> None:
    """The audit entry `export.<kind>`: the format and the filters as `[None, value]`."""
    changes = {"format": [None, fmt]}
    changes |= {name: [None, value] for name, value in filters.items() if value is not None}
    audit.record(officer, f"export.{kind}", "export", f"{kind}.{fmt}", zone_id=zone_id,
                 changes=changes)  # fmt: skip


def export(
    officer: User | None,
    kind: str,
    fmt: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    zone_id: int | None = None,
) -> tuple[str, Iterator[bytes]]:
    """(file name, chunks): refused (404) before anything is recorded when the zone is
    out of reach; audited and committed before the first row is read."""
    zone_keys = zones_in_reach(officer, zone_id)
    filters = {
        "from": date_from and date_from.isoformat(),
        "to": date_to and date_to.isoformat(),
        "zone_id": zone_id,
    }
    record_export(officer, kind, fmt, filters, zone_id)
    spec = KINDS[kind]
    rows = spec.rows(kinds.Filters(zone_keys, date_from, date_to))
    return f"{kind}-{local_today().isoformat()}.{fmt}", chunks(fmt, spec.header, rows, spec.title)
