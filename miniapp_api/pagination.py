"""`?page=&per_page=` as API.md fixes them: per_page at most 100."""

import marshmallow as ma
from marshmallow import fields, validate


class PageArgsSchema(ma.Schema):
    # Query values are strings, so not `strict`; "1.5" and "2e3" are still refused.
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
