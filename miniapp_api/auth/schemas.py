import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.users.models import GRANTED_ROLES
from miniapp_api.users.schemas import UserSchema


class WeChatLoginSchema(ma.Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "The code from `wx.login()`"},
    )


class DevLoginSchema(ma.Schema):
    openid = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=48),
            validate.Regexp(r"^[A-Za-z0-9_-]+$", error="只能包含字母、数字、下划线和连字符"),
        ],
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(GRANTED_ROLES)),
        load_default=list,
        validate=validate.Length(max=len(GRANTED_ROLES)),
    )
    nickname = fields.String(validate=validate.Length(min=1, max=32))


class LoginSchema(ma.Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})
    user = fields.Nested(UserSchema, required=True)


class AccessTokenSchema(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
