"""What each activity earns and its daily cap (pure data, no Flask).

Defaults follow the points table of the issue; `POINTS_RULES` in the environment
(JSON: {"article_read": {"points": 3, "daily_cap": 12}}) overrides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

POINTS, TIMES = "points", "times"


@dataclass(frozen=True)
class Rule:
    reason: str
    name: str
    points: int
    daily_cap: int | None  # None: no daily cap
    cap_unit: str  # POINTS: at most this many points a day; TIMES: this many awards a day
    description: str


DEFAULT_RULES: dict[str, Rule] = {
    rule.reason: rule
    for rule in (
        Rule("daily_checkin", "每日签到", 1, 1, TIMES, "每天签到 1 分，连续签到每满 7 天再加 5 分"),
        Rule("article_read", "阅读文章", 2, 10, POINTS, "读完一篇文章（达到最短阅读时间）得 2 分"),
        Rule("daily_quiz", "每日答题", 1, 1, TIMES, "每答对 1 题得 1 分，全部答对再加 3 分"),
        Rule("quiz", "专题答题和挑战答题", 1, 20, POINTS, "每答对 1 题得 1 分"),
        Rule("enrolled", "成为志愿者", 10, None, TIMES, "扫码报名成为志愿者，仅一次"),
        Rule("recruit", "发展志愿者", 2, 100, POINTS, "每有 1 人通过您的二维码成为志愿者得 2 分"),
        Rule(
            "recruit_qualified",
            "志愿者首次完成答题",
            3,
            100,
            POINTS,
            "您发展的志愿者第一次完成答题，再得 3 分",
        ),
        Rule("event_checkin", "活动签到", 10, 3, TIMES, "参加宣传活动现场签到得 10 分"),
        Rule(
            "event_host",
            "组织宣传活动",
            2,
            50,
            POINTS,
            "您组织的宣传活动每有 1 名志愿者现场签到，您得 2 分",
        ),
    )
}
CHECKIN_STREAK_DAYS = 7
CHECKIN_STREAK_BONUS = 5
# `recruit` and `recruit_qualified` share one daily cap of 100 points.
SHARED_CAPS = {
    "recruit_qualified": ("recruit", "recruit_qualified"),
    "recruit": ("recruit", "recruit_qualified"),
}
DAILY_QUIZ_FULL_MARKS_BONUS = 3


def build_rules(overrides: Mapping[str, Mapping] | None) -> dict[str, Rule]:
    rules = dict(DEFAULT_RULES)
    for reason, changes in (overrides or {}).items():
        if reason not in rules:
            raise ValueError(f"POINTS_RULES names an unknown activity: {reason}")
        allowed = {"points", "daily_cap"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"POINTS_RULES.{reason}: unknown keys {sorted(unknown)}")
        rules[reason] = replace(rules[reason], **changes)
    return rules
