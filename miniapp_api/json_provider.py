"""JSON with ISO 8601 dates, for anything not already dumped by a schema."""

from datetime import date, datetime

from flask.json.provider import DefaultJSONProvider

from miniapp_api.timeutil import to_local


class IsoJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    @staticmethod
    def default(o):
        if isinstance(o, datetime):
            return (to_local(o) if o.tzinfo else o).isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
