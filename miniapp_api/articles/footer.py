"""The one footer every article ends with (110, 96110, the 国家反诈中心App, 12381):
written once in `content/article_footer.md`, rendered and sanitised like an article,
appended to each article a reader opens. Changing the file changes every article."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from miniapp_api.articles.rendering import render_markdown

FOOTER_FILE = "article_footer.md"
_CACHE_KEY = "article_footer"


def footer_html() -> str:
    """The footer's HTML (empty without the file), read once per process."""
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is None:
        path = Path(current_app.config["CONTENT_DIR"]) / FOOTER_FILE
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        cached = (
            f'<section class="article-footer">{render_markdown(text)}</section>' if text else ""
        )
        current_app.extensions[_CACHE_KEY] = cached
    return cached


def with_footer(body_html: str) -> str:
    return body_html + footer_html()
