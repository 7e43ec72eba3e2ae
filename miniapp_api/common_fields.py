"""Schema fields and helpers shared by every domain."""

from datetime import UTC, datetime

from marshmallow import fields, validate

from miniapp_api.timeutil import to_local

# Times the service accepts: anything else is a typo (or a probe), and dates before 1901
# would be dumped with Shanghai's local-mean-time offset (+08:05:43), not a valid offset.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class LocalDateTime(fields.AwareDateTime):
    """An aware datetime, dumped in the app's time zone (`2026-11-21T09:30:00+08:00`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return super()._serialize(to_local(value), attr, obj, **kwargs)


class Instant(fields.AwareDateTime):
    """An input time with its offset, between 2000 and 2100."""

    def __init__(self, **kwargs):
        extra = kwargs.pop("validate", None)
        checks = [
            validate.Range(min=EARLIEST, max=LATEST, error="时间必须在 2000 年到 2100 年之间")
        ]
        if extra is not None:
            checks += extra if isinstance(extra, list) else [extra]
        super().__init__(validate=checks, **kwargs)
