"""Sums of rollup figures and what is derived from them (pure, no database)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

# The additive columns of `DailyStats`, in the order the API and exports show them.
COUNTS = (
    "active_users",
    "active_volunteers",
    "enrolled_volunteers",
    "new_users",
    "articles_read",
    "quiz_sessions",
    "quiz_score_sum",
    "enrollments",
    "event_checkins",
    "points_issued",
    "points_redeemed",
)


@dataclass
class Figures:
    """Figures summed over some (day, zone) rows; `days` is the number of days covered
    and `enrolled_at_end` the volunteers enrolled by the last of them."""

    active_users: int = 0
    active_volunteers: int = 0
    enrolled_volunteers: int = 0
    new_users: int = 0
    articles_read: int = 0
    quiz_sessions: int = 0
    quiz_score_sum: int = 0
    enrollments: int = 0
    event_checkins: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    days: int = 1
    enrolled_at_end: int = 0
    # What the figures are of: a day, or a zone (None: users without a zone).
    day: date | None = None
    zone_id: int | None = None
    zone_name: str | None = None

    def add(self, values: dict[str, int]) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + int(values.get(name) or 0))

    @property
    def quiz_average_score(self) -> float | None:
        if not self.quiz_sessions:
            return None
        return round(self.quiz_score_sum / self.quiz_sessions, 2)

    @property
    def average_daily_active_users(self) -> float:
        return round(self.active_users / self.days, 2) if self.days else 0.0

    @property
    def participation_rate(self) -> float | None:
        """Volunteers active on a day ÷ volunteers enrolled by that day, over all the
        days (a weighted average of the daily rates)."""
        if not self.enrolled_volunteers:
            return None
        return round(self.active_volunteers / self.enrolled_volunteers, 4)


def figure_names() -> list[str]:
    return [item.name for item in fields(Figures)]
