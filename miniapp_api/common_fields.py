"""Schema fields shared by every domain."""

from marshmallow import fields

from miniapp_api.timeutil import to_local


class LocalDateTime(fields.AwareDateTime):
    """An aware datetime, dumped in the app's time zone (`2026-11-21T09:30:00+08:00`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return super()._serialize(to_local(value), attr, obj, **kwargs)
