"""`?page=&per_page=` as API.md fixes them: per_page at most 100."""

import marshmallow as ma
from marshmallow import fields, validate
from sqlalchemy import Select, func, select

from miniapp_api.extensions import db


class PageArgsSchema(ma.Schema):
    # Query values are strings, so not `strict`; "1.5" and "2e3" are still refused.
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def paginate(query: Select, page: int, per_page: int) -> dict:
    """One page of an ordered query, in the list shape of API.md."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}
