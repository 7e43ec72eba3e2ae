"""The OpenAPI document (flask-smorest): one `Api` per app, so two apps in one process
serve their own documents."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema

from miniapp_api.errors import ApiErrorSchema
from miniapp_api.input_guard import IdConverter
from miniapp_api.web import BEARER_SCHEME

API_KEY = "api"


class MiniappApi(Api):
    """flask-smorest Api whose documented error schema carries our `error` code."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        """Errors are handled by `errors.register_error_handlers` instead."""


def init_api(app: Flask) -> MiniappApi:
    """The app's Api, with the bearer scheme and the bounded `<int:...>` converter
    (installed before any blueprint, whose rules are compiled with it)."""
    app.url_map.converters["int"] = IdConverter
    api = MiniappApi(app)
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.spec.components.security_scheme(
        BEARER_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    app.extensions[API_KEY] = api
    return api
