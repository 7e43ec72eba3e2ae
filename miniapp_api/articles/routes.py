"""Fraud types, articles, reading, the personal feed and alerts."""

from flask import request
from flask_jwt_extended import current_user, verify_jwt_in_request

from miniapp_api.articles import service
from miniapp_api.articles.schemas import (
    AlertArgsSchema,
    AlertPageSchema,
    ArticleArgsSchema,
    ArticleOpenedSchema,
    ArticlePageSchema,
    CategoryListSchema,
    FeedSchema,
    ReadResultSchema,
)
from miniapp_api.limits import limited
from miniapp_api.response_cache import shared
from miniapp_api.web import Blueprint, PageArgsSchema, login_required

blp = Blueprint("content", __name__, url_prefix="/api/v1", description="Content")


def _anonymous() -> bool:
    return "Authorization" not in request.headers


def _reader_zones() -> tuple[int, ...]:
    """What the warnings a reader sees depend on: their zone and those above it."""
    verify_jwt_in_request(optional=True)
    return service.reader_zones(current_user or None)


@blp.route("/categories", methods=["GET"])
@shared()
@blp.response(200, CategoryListSchema)
def categories():
    """Fraud types in display order, each with its number of published articles."""
    return {"items": service.categories()}


@blp.route("/articles", methods=["GET"])
@shared()
@blp.arguments(ArticleArgsSchema, location="query")
@blp.response(200, ArticlePageSchema)
def list_articles(args):
    """Published articles, newest first; `q` searches title, summary and tags."""
    return service.list_articles(
        args.get("category"), args.get("tag"), args.get("q"), args["page"], args["per_page"]
    )


@blp.route("/articles/<string:id_or_slug>", methods=["GET"])
@shared(when=_anonymous)
@blp.response(200, ArticleOpenedSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_article(id_or_slug):
    """One article. With a token, the first opening starts the caller's reading clock."""
    verify_jwt_in_request(optional=True)
    return service.open_article(id_or_slug, current_user or None)


@blp.route("/articles/<int:article_id>/read", methods=["POST"])
@login_required()
@limited("article_read")
@blp.response(200, ReadResultSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
@blp.alt_response(409, response="CONFLICT", description="READ_TOO_FAST")
@blp.alt_response(404, response="NOT_FOUND")
def read_article(article_id):
    """Finished reading: reading points once per article, within the daily cap."""
    return service.mark_read(current_user, article_id)


@blp.route("/feed", methods=["GET"])
@login_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, FeedSchema)
def feed(args):
    """The caller's list: subscribed and risk-profile fraud types first, unread first."""
    return service.feed(current_user, args["page"], args["per_page"])


@blp.route("/alerts", methods=["GET"])
@shared(vary=_reader_zones)
@blp.arguments(AlertArgsSchema, location="query")
@blp.response(200, AlertPageSchema)
def list_alerts(args):
    """Current warnings and weekly trends, newest first; with a token, also local ones."""
    verify_jwt_in_request(optional=True)
    return service.alerts(args.get("kind"), args["page"], args["per_page"], current_user or None)
