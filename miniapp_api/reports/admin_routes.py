"""Statistics and exports (`admin`; `station_admin` within its reach)."""

from flask import Response, stream_with_context
from flask_jwt_extended import current_user
from werkzeug.routing import AnyConverter

from miniapp_api.reports import service
from miniapp_api.reports.schemas import RangeArgsSchema, StatsSchema
from miniapp_api.web import Blueprint, login_required

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/admin",
    description="Statistics and exports for police stations",
)
OFFICERS = ("admin", "station_admin")


@blp.route("/stats", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(RangeArgsSchema, location="query")
@blp.response(200, StatsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def stats(args):
    """Figures per day and per zone, top articles, weakest fraud types, most-missed questions."""
    return service.statistics(current_user, **args)


class ExportKindConverter(AnyConverter):
    """`volunteers`, `promoters`, … (an AnyConverter: OpenAPI lists them as an enum)."""

    def __init__(self, url_map):
        super().__init__(url_map, *service.EXPORT_KINDS)


class ExportFormatConverter(AnyConverter):
    def __init__(self, url_map):
        super().__init__(url_map, *service.EXPORT_FORMATS)


EXPORT_DESCRIPTION = "The file, streamed: CSV (UTF-8 with BOM) or XLSX; Chinese headers"
# The file's media type follows the path's `.csv` or `.xlsx`.
EXPORT_CONTENT = {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
}


@blp.record_once
def _converters(state) -> None:
    state.app.url_map.converters["export_kind"] = ExportKindConverter
    state.app.url_map.converters["export_format"] = ExportFormatConverter


@blp.route("/exports/<export_kind:kind>.<export_format:fmt>", methods=["GET"])
@login_required(*OFFICERS)
@blp.arguments(RangeArgsSchema, location="query")
@blp.response(200, description=EXPORT_DESCRIPTION, content_type="text/csv")
@blp.doc(responses={"200": {"description": EXPORT_DESCRIPTION, "content": EXPORT_CONTENT}})
@blp.alt_response(404, response="NOT_FOUND")
def export(args, kind, fmt):
    """Export volunteers, promoters, enrollments, redemptions, events or statistics (audited)."""
    name, body = service.export(current_user, kind, fmt, **args)
    response = Response(
        stream_with_context(body),
        mimetype=service.MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip
    response.direct_passthrough = True  # produced chunk by chunk: nothing may buffer it
    return response
