"""/console/audit: the audit log in the officer's reach (the admin API's `GET /admin/audit`),
filtered by actor, object type and id, action and days, newest first, each entry with its
changes. Reading it records nothing."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from miniapp_api.admin.schemas import AuditArgsSchema
from miniapp_api.admin.service import audit_entries
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.forms import load
from miniapp_api.storage import Page
from miniapp_api.zones.fences import zone_names

from miniapp_api.console import console_bp  # isort: skip

PER_PAGE = 30
FILTERS = ("actor_id", "object_type", "object_id", "action", "from", "to")
VIA_LABELS = {"api": "小程序/接口", "console": "工作台", "cli": "服务器命令"}
ACTION_LABELS = {
    "reward.create": "新增奖品",
    "reward.update": "修改奖品",
    "reward.delete": "删除奖品",
    "redemption.fulfil": "发放奖品",
    "redemption.cancel": "取消兑换",
    "event.create": "发布活动",
    "event.update": "修改活动",
    "event.cancel": "取消活动",
    "zone.create": "新增区域",
    "zone.update": "修改区域",
    "zone.deactivate": "停用区域",
    "application.approve": "通过宣传员申请",
    "application.reject": "驳回宣传员申请",
    "article.create": "新建文章",
    "article.update": "修改文章",
    "article.publish": "发布文章",
    "article.archive": "下架文章",
    "alert.create": "发布预警",
    "alert.update": "修改预警",
    "alert.archive": "下架预警",
    "category.create": "新增诈骗类型",
    "category.update": "修改诈骗类型",
    "question.create": "新增题目",
    "question.update": "修改题目",
    "question.import": "导入题目",
    "question.retire": "停用题目",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "user.ban": "封禁用户",
    "user.unban": "解封用户",
    "points.adjust": "调整积分",
}
OBJECT_LABELS = {
    "reward": "奖品",
    "redemption": "兑换",
    "event": "活动",
    "zone": "区域",
    "user": "用户",
    "promoter_application": "宣传员申请",
    "article": "文章",
    "alert": "预警",
    "category": "诈骗类型",
    "question": "题目",
}


SHOWN_MAX = 120  # characters of a changed value the table shows (an article body: more)


def shown(value: Any) -> str:
    """A changed value as the table shows it."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX] + "…"


def filters_of(args) -> tuple[dict, dict[str, str]]:
    """The query's filters loaded by the API's schema (blank ones ignored), and errors."""
    given = {key: args[key].strip() for key in (*FILTERS, "page") if args.get(key, "").strip()}
    values, errors = load(AuditArgsSchema(), given)
    return (values or {"page": 1, "per_page": PER_PAGE}), errors


@console_bp.get("/audit")
@officer_required()
def audit():
    values, errors = filters_of(request.args)
    values["per_page"] = PER_PAGE
    # A filter it cannot read shows nothing rather than the whole log.
    found = Page([], 1, PER_PAGE, 0) if errors else audit_entries(current_officer(), **values)
    zone_ids = sorted({item.entry.zone_id for item in found.items if item.entry.zone_id})
    args = {key: request.args[key] for key in FILTERS if request.args.get(key, "").strip()}
    page = render_template(
        "console/audit/list.html",
        found=found,
        form=request.args,
        args={} if errors else args,
        errors=errors,
        zone_labels=zone_names(zone_ids),
        action_labels=ACTION_LABELS,
        object_labels=OBJECT_LABELS,
        via_labels=VIA_LABELS,
        shown=shown,
        active_section="audit",
    )
    return page, 422 if errors else 200
