"""The console loads nothing from outside the app: every template, rendered, and every style
sheet points its scripts, styles, images and fonts at /console/static or a relative path.

A tiny Flask app with only the console registered: the app factory is not needed here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import Flask, render_template

from miniapp_api.console import register_console
from miniapp_api.console.demo import sample_context

PACKAGE = Path(__file__).resolve().parents[2] / "miniapp_api" / "console"
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
STATIC_URL = "/console/static/"

# (tag, attribute) pairs that make the browser fetch something.
RESOURCE_ATTRIBUTES = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("use", "href"),
    ("use", "xlink:href"),
    ("image", "href"),
    ("iframe", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("input", "src"),
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.S)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""")


class ResourceCollector(HTMLParser):
    """Every URL an HTML document makes the browser fetch, with where it was found."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in RESOURCE_ATTRIBUTES:
                for url in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"<{tag} {name}>", url.strip().split(" ")[0]))
            if name == "style":
                self.urls += [(f"<{tag} style>", url) for url in css_urls(value)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", url) for url in css_urls(data)]


def css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [m.group(2) for m in CSS_URL.finditer(css)] + CSS_IMPORT.findall(css)


def resources(html: str) -> list[tuple[str, str]]:
    collector = ResourceCollector()
    collector.feed(html)
    collector.close()
    return collector.urls


def is_local(url: str) -> bool:
    """Served by the app: under /console/static, relative, a fragment or inline data."""
    parts = urlsplit(url)
    if parts.scheme == "data" or url.startswith("#"):
        return True
    if parts.scheme or parts.netloc:
        return False
    return url.startswith(STATIC_URL) if url.startswith("/") else bool(url)


def zone_page_sample() -> dict:
    zone = SimpleNamespace(
        id=1, name="浒山街道", district="慈溪市", kind="town", parent_id=None, active=True,
        vertex_count=8,
    )  # fmt: skip
    listed = SimpleNamespace(items=[zone], page=1, per_page=20, total=1)
    return {
        "zone": zone, "listed": listed, "counts": {1: (2, 5)}, "names": {1: zone.name},
        "features": sample_context()["zones"], "kind_labels": {}, "kind_options": [],
        "coord_options": [], "parent_options": [], "can_edit": True, "tile_url": None,
    }  # fmt: skip


def article_page_sample() -> dict:
    article = SimpleNamespace(
        id=1, title="冒充公检法", state="draft", published_at=None, read_count=0,
        category=SimpleNamespace(name="冒充公检法"), source="admin", expires_at=None,
        kind="warning", level="high", zone_ids=[],
    )  # fmt: skip
    alert = SimpleNamespace(
        id=1, title="预警", kind="warning", level="high", zone_ids=[1], state="published",
        published_at=None, expires_at=None, summary="摘要",
    )  # fmt: skip
    found = SimpleNamespace(items=[article], page=1, per_page=20, total=1)
    return {
        "article": article, "alert": alert, "found": found, "args": {}, "values": {},
        "errors": {}, "preview": "<p>正文</p>", "category_options": [], "format_options": [],
        "audiences": [], "status_options": [], "status_labels": {}, "zone_options": [],
        "zone_names": {}, "level_options": [], "level_labels": {}, "state_labels": {},
        "citywide": True, "now": None,
    }  # fmt: skip


def quiz_page_sample() -> dict:
    question = SimpleNamespace(
        id=1, key="q-1", stem="题干", status="active", source="admin", type="single",
        category=SimpleNamespace(name="冒充公检法"),
    )  # fmt: skip
    option = SimpleNamespace(option=SimpleNamespace(key="a", text="选项", is_correct=True),
                             chosen_count=3, share=0.5)  # fmt: skip
    stats = SimpleNamespace(question=question, times_answered=6, facility=0.5,
                            discrimination=0.3, flags=["too_easy"], options=[option])  # fmt: skip
    found = SimpleNamespace(items=[question], page=1, per_page=20, total=1, min_answers=30)
    return {
        "question": question, "stats": stats, "found": found, "args": {}, "values": {},
        "errors": {}, "can_edit": True, "category_options": [], "type_labels": {},
        "status_labels": {}, "flag_labels": {}, "option_keys": "ab", "target": "console.quizzes",
        "import_errors": [(3, "category", "未知")], "import_message": "有 1 行有误",
    }  # fmt: skip


def quiz_stats_sample() -> dict:
    sample = quiz_page_sample()
    sample["found"].items = [sample["stats"]]
    return sample


# A section's pages render with the demo's sample context and what they name besides
# (sample values: these tests check where assets come from, not what a page says).
PAGE_SAMPLES = {
    "console/zones/": zone_page_sample,
    "console/articles/": article_page_sample,
    "console/quizzes/": quiz_page_sample,
    "console/quizzes/stats": quiz_stats_sample,
}


def page_context(name: str) -> dict:
    context = sample_context()
    for prefix, sample in PAGE_SAMPLES.items():
        if name.startswith(prefix):
            context.update(sample())
    context.update(_page_samples().get(name, {}))  # rewards, desk, events, audit
    return context


def template_names() -> list[str]:
    return sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))


@pytest.fixture(scope="module")
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="console-assets-test", TIMEZONE="Asia/Shanghai")
    register_console(app)
    return app


def assert_local_and_present(app: Flask, found: list[tuple[str, str]], where: str) -> None:
    external = [(kind, url) for kind, url in found if not is_local(url)]
    assert not external, f"{where} loads from outside the app: {external}"
    client = app.test_client()
    for kind, url in found:
        if url.startswith(STATIC_URL):
            response = client.get(urlsplit(url).path)
            assert response.status_code == 200, f"{where}: {kind} {url} is not served"
            response.close()


def test_there_are_templates():
    assert {"console/base.html", "console/macros.html"} <= set(template_names())


def _page_samples() -> dict[str, dict]:
    """What the section pages need beyond the demo's context: made-up rows."""
    now = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    reward = SimpleNamespace(
        id=1,
        name="反诈雨伞",
        points_cost=30,
        stock=4,
        per_user_limit=None,
        starts_at=None,
        ends_at=None,
        active=True,
    )
    redemption = SimpleNamespace(
        id=1,
        code="AB12CD",
        status="pending",
        points_cost=30,
        reward=reward,
        user_id=7,
        created_at=now,
        decided_at=None,
    )
    event = SimpleNamespace(
        id=1,
        title="社区反诈讲座",
        place_name="文化礼堂",
        description="",
        zone=SimpleNamespace(name="浒山街道"),
        promoter_id=2,
        starts_at=now,
        ends_at=now,
        state="current",
        cancelled=False,
        cancelled_at=None,
        cancel_reason=None,
        radius_m=200,
        lat=30.17,
        lng=121.25,
    )
    entry = SimpleNamespace(
        created_at=now,
        actor_id=2,
        via="console",
        action="reward.create",
        object_type="reward",
        object_id="1",
        zone_id=None,
        reason=None,
        changes={"stock": [None, 4]},
    )

    def page(items):
        return {"found": SimpleNamespace(items=items, page=1, per_page=20, total=len(items))}

    states = {"current": "进行中"}
    dashboard = {
        "dashboard_today": now.date(),
        "dashboard_figures": [SimpleNamespace(label="答题", unit="次", today=3, week=9)],
        "dashboard_chart": {"series": []},
        "dashboard_zones": [
            SimpleNamespace(
                zone_name="浒山街道",
                enrolled_at_end=5,
                active_users=3,
                quiz_sessions=2,
                participation_rate=0.4,
            )
        ],
        "dashboard_weakest": [SimpleNamespace(name="冒充客服", answered=10, facility=0.3)],
        "dashboard_waiting": 2,
        "dashboard_days": 30,
    }
    return {
        "console/dashboard/_figures.html": dashboard,
        "console/dashboard/page.html": dashboard,
        "console/home.html": dashboard,
        "console/rewards/list.html": page([reward]),
        "console/rewards/desk.html": {"redemption": redemption, "code": "AB12CD", "error": None,
                                      "status_labels": {"pending": "待领取"}, "resident": None,
                                      "zone_name": "浒山街道"},
        "console/events/list.html": {**page([SimpleNamespace(event=event, checkin_count=3)]),
                                     "organisers": {}, "state": None, "zone_id": None,
                                     "args": {}, "zone_choices": [], "state_labels": states},
        "console/events/detail.html": {"event": event, "checkin_count": 3, "organiser": "李警官",
                                       "state_labels": states},
        "console/events/form.html": {"zone_choices": [(1, "浒山街道")]},
        "console/audit/list.html": {**page([SimpleNamespace(entry=entry, actor_nickname="李")]),
                                    "form": {}, "args": {}, "zone_labels": {},
                                    "action_labels": {}, "object_labels": {}, "via_labels": {},
                                    "shown": str},
    }  # fmt: skip


@pytest.mark.parametrize("name", template_names())
def test_every_template_renders_with_local_assets_only(app, name):
    with app.test_request_context("/console/_layout"):
        html = render_template(name, **page_context(name))
    assert_local_and_present(app, resources(html), name)


def test_the_layout_loads_its_scripts_and_styles_from_the_app(app):
    with app.test_request_context("/console/_layout"):
        html = render_template("console/demo/layout.html", **sample_context())
    found = dict.fromkeys(url for _, url in resources(html))
    for path in (
        "vendor/htmx.org/htmx.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet-geoman-free/leaflet-geoman.js",
        "vendor/leaflet-geoman-free/leaflet-geoman.css",
        "vendor/echarts/echarts.min.js",
        "console/console.css",
        "console/console.js",
    ):
        assert STATIC_URL + path in found


def test_htmx_config_turns_off_eval(app):
    with app.test_request_context("/console/_layout"):
        html = render_template("console/base.html")
    assert '<meta name="htmx-config"' in html
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html


def test_the_served_page_and_its_policy(app):
    response = app.test_client().get("/console/_layout")
    assert response.status_code == 200
    assert_local_and_present(app, resources(response.get_data(as_text=True)), "/console/_layout")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.css")), ids=str
)
def test_style_sheets_point_inside_the_app(app, path):
    css = (STATIC / path).read_text(encoding="utf-8")
    for url in css_urls(css):
        assert is_local(url), f"{path} loads {url}"
        parts = urlsplit(url)
        if not parts.scheme and url and not url.startswith("#"):
            assert (STATIC / path).parent.joinpath(parts.path).resolve().is_file(), url


def test_console_script_names_no_outside_address():
    script = (STATIC / "console" / "console.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", script)


def test_the_demo_exists_only_when_testing_or_debugging():
    app = Flask(__name__)
    register_console(app)
    client = app.test_client()
    assert client.get("/console/_layout").status_code == 404
    with client.get("/console/static/console/console.css") as response:
        assert response.status_code == 200
