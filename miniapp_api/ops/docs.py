"""Swagger UI's files, served from the installed flask-swagger-ui package (no CDN)."""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"

docs_static = Blueprint(
    "swagger_ui_static",
    __name__,
    static_folder=str(SWAGGER_UI_DIST),
    static_url_path="/api/docs/static",
)
