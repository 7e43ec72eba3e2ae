"""Markdown to rich-text HTML: nothing executable or unsupported gets through."""

from html.parser import HTMLParser

import pytest

from miniapp_api.articles.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[点我](javascript:alert(1))",
        '<a href="https://example.com" onclick="steal()">链接</a>',
        "![x](javascript:alert(1))",
        '<p id="top" style="background:url(javascript:alert(1))">段落</p>',
        "<iframe src='https://evil.example'></iframe>",
        "<svg><script>alert(1)</script></svg>",
        "<a href='JaVaScRiPt:alert(1)'>x</a> <img src=x onerror=alert(1)//>",
    ],
)
def test_dangerous_markup_never_reaches_the_html(markdown):
    html = render_markdown(f"正文\n\n{markdown}\n")
    lowered = html.lower()
    for needle in ("<script", "<iframe", "<svg", " onerror=", " onclick=", " id=", " style="):
        assert needle not in lowered, (needle, html)
    for tag, attributes in elements(html):
        assert tag in ALLOWED_TAGS
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        assert set(attributes) - {"rel"} <= allowed, (tag, attributes)
        for value in attributes.values():  # text may say "javascript:", a URL may not
            assert "javascript" not in (value or "").lower(), (tag, attributes)


def test_ordinary_markdown_renders_to_supported_tags():
    html = render_markdown(
        "## 怎么办\n\n- 拨打 **96110**\n- 下载*国家反诈中心*App\n\n"
        "| 区 | 案件 |\n|---|---|\n| 慈溪 | 3 |\n\n[官网](https://www.example.gov.cn) <u>重点</u>"
    )
    assert "<h2>怎么办</h2>" in html
    assert "<li>拨打 <strong>96110</strong></li>" in html
    assert "<em>国家反诈中心</em>" in html
    assert "<table>" in html and "<td>慈溪</td>" in html
    assert 'href="https://www.example.gov.cn"' in html
    assert "<u>重点</u>" in html
