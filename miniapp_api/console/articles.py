"""/console/articles: the articles (admins only: content is city-wide) listed and filtered
by status, fraud type and text; the editor, whose live preview is the HTML the
mini-program gets (the API's renderer and sanitiser, fetched by htmx: no Markdown in the
browser); save as draft, publish, schedule, archive, a cover image upload. Every write is
the admin API's use case (`articles.admin_service`), audited `via: console`. A station
admin is sent to its local warnings (/console/alerts)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.articles import admin_service
from miniapp_api.articles.admin_schemas import ArticleInputSchema, ArticlePatchSchema
from miniapp_api.articles.fields import ARTICLE_FORMATS, AUDIENCES
from miniapp_api.articles.footer import with_footer
from miniapp_api.articles.models import ARTICLE_STATUSES, Article
from miniapp_api.articles.rendering import render_markdown
from miniapp_api.categories import service as fraud_types
from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.covers import save_cover
from miniapp_api.console.pages import instant, lines, load_form, local_input, service_errors, words
from miniapp_api.errors import Conflict, ValidationFailed

PER_PAGE = 20
STATUS_LABELS = {
    "draft": "草稿",
    "scheduled": "定时发布",
    "published": "已发布",
    "archived": "已下线",
}
FORMAT_LABELS = dict(
    zip(ARTICLE_FORMATS, ("案例", "防范指南", "顺口溜", "政策解读", "操作步骤"), strict=True)
)
AUDIENCE_LABELS = dict(
    zip(
        AUDIENCES,
        (
            "所有人",
            "学生",
            "老年人",
            "青年",
            "女性",
            "男性",
            "求职者",
            "网购人群",
            "游戏玩家",
            "投资者",
            "财务人员",
            "企业主",
            "家长",
            "退休人员",
            "借贷人群",
            "农民",
            "外来务工人员",
            "未成年人",
            "居家人员",
        ),
        strict=True,
    )
)
TEXT_FIELDS = ("slug", "title", "category", "summary", "body_markdown", "format", "cover_url")


def preview_html(markdown: str) -> str:
    """What the mini-program's article page shows: the body rendered and sanitised by the
    API's renderer, with the standard footer."""
    return with_footer(render_markdown(markdown)) if markdown.strip() else ""


def article_data(form) -> dict[str, Any]:
    """The editor's fields as the admin API's article schema reads them."""
    data: dict[str, Any] = {key: form.get(key, "").strip() for key in TEXT_FIELDS}
    data["body_markdown"] = form.get("body_markdown", "")
    data["cover_url"] = data["cover_url"] or None
    data["tags"] = words(form.get("tags"))
    data["audience"] = form.getlist("audience") or ["general"]
    data["key_points"] = lines(form.get("key_points"))
    data["published_at"] = instant(form.get("published_at"))
    data["status"] = form.get("status", "draft")
    return data


def with_cover(data: dict[str, Any]) -> dict[str, str]:
    """Store an uploaded cover and point `cover_url` at it; the upload's errors, if any."""
    upload = request.files.get("cover")
    if upload is None or not upload.filename:
        return {}
    try:
        data["cover_url"] = save_cover(upload)
    except ValidationFailed as exc:
        return service_errors(exc)
    return {}


def editor_context(article: Article | None, values: dict, errors: dict) -> dict:
    categories = fraud_types.in_display_order()
    return {
        "active_section": "articles",
        "article": article,
        "values": values,
        "errors": errors,
        "preview": preview_html(values.get("body_markdown", "")),
        "category_options": [(c.slug, c.name) for c in categories],
        "format_options": list(FORMAT_LABELS.items()),
        "audiences": list(AUDIENCE_LABELS.items()),
        "status_options": [(s, STATUS_LABELS[s]) for s in ("draft", "published", "scheduled")],
        "status_labels": STATUS_LABELS,
    }


def current_values(article: Article) -> dict[str, Any]:
    values = {key: getattr(article, key) or "" for key in TEXT_FIELDS if key != "category"}
    values.update(
        category=article.category.slug,
        tags="、".join(article.tags),
        audience=article.audience,
        key_points="\n".join(article.key_points or []),
        published_at=local_input(article.published_at),
        status=article.state if article.state != "archived" else "draft",
    )
    return values


def form_values(form) -> dict[str, Any]:
    values = dict(form.items())
    values["audience"] = form.getlist("audience")
    return values


@console_bp.get("/articles")
@officer_required("admin", "station_admin")
def articles():
    """Articles in any state, newest first, filtered (a station admin: its warnings)."""
    if not current_officer().has_role("admin"):
        return redirect(url_for("console.alerts"))
    args = {key: request.args.get(key, "").strip() for key in ("status", "category", "q")}
    status = args["status"] if args["status"] in ARTICLE_STATUSES else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = admin_service.admin_articles(
        status, args["category"] or None, args["q"][:50] or None, page, PER_PAGE
    )
    context = editor_context(None, {}, {})
    context.update(found=found, args={k: v for k, v in args.items() if v})
    template = "_rows.html" if request.headers.get("HX-Request") else "index.html"
    return render_template(f"console/articles/{template}", **context)


@console_bp.post("/articles/preview")
@officer_required("admin")
def article_preview():
    """The preview fragment for the editor's Markdown (htmx)."""
    html = preview_html(request.form.get("body_markdown", ""))
    return render_template("console/articles/_preview.html", preview=html)


@console_bp.get("/articles/new")
@officer_required("admin")
def new_article():
    values = {"status": "draft", "format": "guide", "audience": ["general"]}
    return render_template("console/articles/edit.html", **editor_context(None, values, {}))


@console_bp.post("/articles/new")
@officer_required("admin")
def create_article():
    data = article_data(request.form)
    errors = with_cover(data)
    values, schema_errors = load_form(ArticleInputSchema(), data)
    errors.update(schema_errors)
    if not errors:
        try:
            article = admin_service.create_article(values, current_officer())
        except (ValidationFailed, Conflict) as exc:
            errors = service_errors(exc)
        else:
            flash(f"已保存文章“{article.title}”（{STATUS_LABELS[article.state]}）。", "success")
            return redirect(url_for("console.article", article_id=article.id))
    shown = {**form_values(request.form), "cover_url": data["cover_url"] or ""}
    return render_template("console/articles/edit.html", **editor_context(None, shown, errors)), 422


@console_bp.get("/articles/<int:article_id>")
@officer_required("admin")
def article(article_id: int):
    found = admin_service.get_article(article_id)
    context = editor_context(found, current_values(found), {})
    return render_template("console/articles/edit.html", **context)


@console_bp.post("/articles/<int:article_id>")
@officer_required("admin")
def update_article(article_id: int):
    found = admin_service.get_article(article_id)
    data = article_data(request.form)
    errors = with_cover(data)
    values, schema_errors = load_form(ArticlePatchSchema(partial=True), data)
    errors.update(schema_errors)
    if not errors:
        try:
            saved = admin_service.update_article(article_id, values, current_officer())
        except (ValidationFailed, Conflict) as exc:
            errors = service_errors(exc)
        else:
            flash(f"已保存（{STATUS_LABELS[saved.state]}）。", "success")
            return redirect(url_for("console.article", article_id=article_id))
    shown = {**form_values(request.form), "cover_url": data["cover_url"] or ""}
    return render_template(
        "console/articles/edit.html", **editor_context(found, shown, errors)
    ), 422


@console_bp.post("/articles/<int:article_id>/publish")
@officer_required("admin")
def publish_article(article_id: int):
    """Publish now (a scheduled article keeps its time: use the editor to change it)."""
    saved = admin_service.publish_article(article_id, None, current_officer())
    flash(f"文章状态：{STATUS_LABELS[saved.state]}。", "success")
    return redirect(url_for("console.article", article_id=article_id))


@console_bp.post("/articles/<int:article_id>/archive")
@officer_required("admin")
def archive_article(article_id: int):
    admin_service.archive_article(article_id, current_officer())
    flash("文章已下线，小程序不再显示。", "success")
    return redirect(url_for("console.article", article_id=article_id))
