"""The statistics rollup: the hourly job builds today and yesterday, `--missing` only the
days never built, and a day rebuilt replaces its rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from miniapp_api.reports import tasks
from miniapp_api.reports.models import DailyStats, RolledUpDay
from miniapp_api.storage import db
from tests.factories import UserFactory, ZoneFactory
from tests.helpers import fire_at_once

TODAY, YESTERDAY = date(2026, 11, 18), date(2026, 11, 17)  # the frozen clock's days


def rolled_days() -> list[date]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(RolledUpDay.day)))


def test_the_hourly_job_builds_today_and_yesterday(app_ctx, clock):
    zone = ZoneFactory()
    UserFactory(zone_id=zone.id)
    tasks.roll_up_recent_days()
    assert rolled_days() == [YESTERDAY, TODAY]
    row = db.session.get(DailyStats, (TODAY, zone.id))
    assert row.new_users == 1
    UserFactory(zone_id=zone.id)
    tasks.roll_up_recent_days()  # again: the day is replaced, not added to
    db.session.expire_all()
    assert db.session.get(DailyStats, (TODAY, zone.id)).new_users == 2


def test_missing_builds_only_the_days_never_built(app, app_ctx, clock):
    first = UserFactory()
    first.created_at = datetime(2026, 11, 14, 3, 0, tzinfo=UTC)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "rollup", "--from", "2026-11-15", "--to", "2026-11-15"])
    assert result.exit_code == 0, result.output
    done = db.session.get(RolledUpDay, date(2026, 11, 15)).rolled_up_at
    result = runner.invoke(args=["stats", "rollup", "--missing"])
    assert result.exit_code == 0, result.output
    assert "4 day(s), 2026-11-14 to 2026-11-18" in result.output  # the 15th was done
    assert rolled_days() == [date(2026, 11, d) for d in (14, 15, 16, 17, 18)]
    assert db.session.get(RolledUpDay, date(2026, 11, 15)).rolled_up_at == done


def test_to_before_from_is_refused(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["stats", "rollup", "--from", "2026-11-15", "--to", "2026-11-14"]
    )
    assert result.exit_code != 0
    assert "--to is before --from" in result.output


@pytest.mark.postgres
def test_two_rollups_of_one_day_at_once_take_turns(app, app_ctx):
    """The periodic job and `flask stats rollup` on the same day at the same time: each
    replaces the day whole, one after the other (no duplicate-key failure)."""
    from miniapp_api.reports.rollup import roll_up_day

    ZoneFactory()
    day = date(2026, 11, 17)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                roll_up_day(day)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    fire_at_once(6, run)
    assert errors == []
    assert rolled_days() == [day]
