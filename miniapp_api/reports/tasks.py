"""The rollup's periodic job: today and yesterday, every ten minutes (six times the hourly
minimum): the statistics read today's figures from the rollup, so they are at most that
old, and yesterday's last writes settle after midnight. Computing today live instead
costs about half a second a request at the benchmark's size."""

from miniapp_api.jobs import crontab, periodic
from miniapp_api.reports import service


@periodic(crontab(minute="*/10"))
def roll_up_recent_days() -> None:
    service.roll_up_range()
