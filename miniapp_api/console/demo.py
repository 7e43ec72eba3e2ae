"""/console/_layout: the layout with sample content, for browser tests and screenshots.

Registered only when the app is testing or in debug mode. Nothing here reads or writes the
database: the rows, zones and figures below are made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from miniapp_api.console.layout import console_context, secure_response

demo_bp = Blueprint("console_demo", __name__, url_prefix="/console")
demo_bp.context_processor(console_context)
demo_bp.after_request(secure_response)

PER_PAGE = 6


@dataclass(frozen=True)
class Officer:
    name: str
    unit: str


@dataclass(frozen=True)
class Application:
    id: str
    name: str
    phone: str
    area: str
    submitted: str
    status: str  # pending, approved, rejected


STATUS_LABELS = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}
AREAS = ["浒山街道", "白沙路街道", "古塘街道", "宗汉街道", "坎墩街道", "观海卫镇"]
APPLICATIONS = [
    Application(f"SQ20261103{n:02d}", name, phone, area, submitted, status)
    for n, (name, phone, area, submitted, status) in enumerate(
        [
            ("陈静", "138****5621", "浒山街道", "2026-11-03 09:12", "pending"),
            ("王海峰", "139****0874", "白沙路街道", "2026-11-03 08:47", "pending"),
            ("李晓燕", "137****3316", "古塘街道", "2026-11-02 17:30", "approved"),
            ("张伟", "135****7702", "宗汉街道", "2026-11-02 15:05", "pending"),
            ("刘芳", "158****2419", "坎墩街道", "2026-11-02 10:21", "rejected"),
            ("周建国", "136****9051", "观海卫镇", "2026-11-01 16:44", "approved"),
            ("吴敏", "187****4463", "浒山街道", "2026-11-01 11:08", "pending"),
            ("徐立新", "133****6180", "白沙路街道", "2026-10-31 14:52", "approved"),
            ("孙丽华", "152****3927", "古塘街道", "2026-10-31 09:36", "pending"),
            ("胡志强", "189****1275", "宗汉街道", "2026-10-30 18:03", "rejected"),
            ("朱倩", "150****8842", "坎墩街道", "2026-10-30 10:17", "approved"),
            ("高磊", "131****5530", "观海卫镇", "2026-10-29 15:40", "pending"),
        ],
        start=1,
    )
]

# Rough sample outlines (GCJ-02), as in content/zones/cixi-sample.geojson.
ZONES = {
    "浒山街道": [(121.26753, 30.16935), (121.25884, 30.18112), (121.25049, 30.18098),
                 (121.23778, 30.17355), (121.23596, 30.16661), (121.24644, 30.15734),
                 (121.25351, 30.15502), (121.26111, 30.15705), (121.26753, 30.16935)],
    "白沙路街道": [(121.30092, 30.19146), (121.28821, 30.20059), (121.28051, 30.19719),
                   (121.2747, 30.19192), (121.2799, 30.17864), (121.28782, 30.17676),
                   (121.29639, 30.17771), (121.30092, 30.19146)],
    "古塘街道": [(121.29625, 30.14832), (121.28268, 30.15679), (121.2737, 30.1551),
                 (121.26963, 30.14774), (121.27903, 30.13577), (121.28795, 30.13512),
                 (121.29533, 30.1402), (121.29625, 30.14832)],
}  # fmt: skip

WEEK = ["10月28日", "10月29日", "10月30日", "10月31日", "11月1日", "11月2日", "11月3日"]


def zones_geojson() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            }
            for name, ring in ZONES.items()
        ],
    }


def chart_option() -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": WEEK},
        "yAxis": {"type": "value", "name": "人次"},
        "series": [
            {"name": "答题", "type": "bar", "barMaxWidth": 22,
             "data": [812, 934, 1021, 876, 1310, 1452, 1284]},
            {"name": "阅读预警文章", "type": "line", "smooth": True,
             "data": [1530, 1688, 1760, 1602, 2210, 2375, 2140]},
        ],
    }  # fmt: skip


def matching(query: str) -> list[Application]:
    return [a for a in APPLICATIONS if not query or query in a.name or query in a.area]


def sample_context(query: str = "", page: int = 1, values=None, errors=None) -> dict:
    found = matching(query)
    page = min(max(page, 1), max(1, -(-len(found) // PER_PAGE)))
    return {
        "active_section": "home",
        "rows": found[(page - 1) * PER_PAGE : page * PER_PAGE],
        "total": len(found),
        "page": page,
        "per_page": PER_PAGE,
        "query": query,
        "status_labels": STATUS_LABELS,
        "areas": AREAS,
        "area_options": [(area, area) for area in AREAS],
        "values": values or {},
        "errors": errors or {},
        "zones": zones_geojson(),
        "chart": chart_option(),
    }


@demo_bp.before_request
def sign_in_sample_officer() -> None:
    g.console_officer = Officer("李警官", "慈溪市公安局反诈中心")


def note(message: str, category: str) -> None:
    if current_app.secret_key:  # flash needs a session
        flash(message, category)


@demo_bp.get("/_layout")
def layout():
    """The layout with sample content (testing and debug only)."""
    context = sample_context(request.args.get("q", "").strip(), request.args.get("page", 1, int))
    if request.headers.get("HX-Target") == "promoter-rows":
        return render_template("console/demo/_rows.html", **context)
    if not request.headers.get("HX-Request"):
        note("这是示例页面：数据均为虚构，提交不会保存。", "info")
    return render_template("console/demo/layout.html", **context)


@demo_bp.post("/_layout")
def submit():
    """The sample form and buttons: check, then say what would have happened."""
    if "reject" in request.args:
        note(f"示例：已驳回申请 {request.args['reject']}（未保存）。", "success")
        return redirect(url_for(".layout"))
    if not request.form.get("name", "").strip():
        errors = {"name": "请填写活动名称。"}
        context = sample_context(values=request.form, errors=errors)
        template = "_event_form.html" if request.headers.get("HX-Request") else "layout.html"
        return render_template(f"console/demo/{template}", **context), 422
    note(f"示例：活动“{request.form['name']}”已提交（未保存）。", "success")
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": url_for(".layout")}
    return redirect(url_for(".layout"))
