"""The console's sections, in the order the left navigation shows them (no Flask import)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    endpoint: str  # the section's page, once a route registers it
    path: str  # where that page will live: the link until the route exists
    icon: str  # a symbol id in static/console/icons.svg


SECTIONS: tuple[Section, ...] = (
    Section("home", "工作台首页", "console.home", "/console/", "i-home"),
    Section("promoters", "宣传员审核", "console.promoters", "/console/promoters", "i-review"),
    Section("zones", "宣传区域", "console.zones", "/console/zones", "i-map"),
    Section("users", "用户管理", "console.users", "/console/users", "i-users"),
    Section("articles", "文章与预警", "console.articles", "/console/articles", "i-article"),
    Section("quizzes", "题库", "console.quizzes", "/console/quizzes", "i-quiz"),
    Section("rewards", "奖品与领取台", "console.rewards", "/console/rewards", "i-gift"),
    Section("events", "宣传活动", "console.events", "/console/events", "i-calendar"),
    Section("audit", "审计与导出", "console.audit", "/console/audit", "i-audit"),
)
