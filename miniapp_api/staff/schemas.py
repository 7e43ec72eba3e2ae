"""The scan-to-sign-in confirmation's answer."""

import marshmallow as ma
from marshmallow import fields

from miniapp_api.common_fields import LocalDateTime


class ConsoleLoginSchema(ma.Schema):
    ticket = fields.String(
        required=True, attribute="id", metadata={"description": "The ticket (the code's scene)"}
    )
    status = fields.Constant("confirmed", metadata={"description": "Always `confirmed`"})
    confirmed_at = LocalDateTime(required=True)
    expires_at = LocalDateTime(
        required=True, metadata={"description": "The console page signs in before this"}
    )
