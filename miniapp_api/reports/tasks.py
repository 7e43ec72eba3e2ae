"""The rollup's periodic job: today and yesterday, every hour (yesterday's last hour and
late writes settle the next morning)."""

from miniapp_api.jobs import crontab, periodic
from miniapp_api.reports import service


@periodic(crontab(minute="7"))
def roll_up_recent_days() -> None:
    service.roll_up_range()
