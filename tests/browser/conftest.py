"""Browser tests: Playwright driving Debian's Chromium (never a browser Playwright downloads).

The tests skip, saying why, when /usr/bin/chromium or the playwright package is missing, and
the session ends with a line saying so; with REQUIRE_BROWSER_TESTS=1 (set by CI, which
installs Chromium) a missing browser fails the run instead. Screenshots go to
tests/browser/artifacts/: the ones a test takes, and one of the page a failing test had open.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    VIEWPORT,
    PageLog,
    is_loopback,
    screenshot,
    unavailable_reason,
)

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def browser() -> Iterator:
    reason = unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(f"browser tests are required here, but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=CHROMIUM_ENV
        )
        yield browser
        browser.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, page_log, request) -> Iterator:
    """A fresh page at 1366x768 in Simplified Chinese; `page_log` records what it does.

    A request for anything but 127.0.0.1 is recorded and then refused, so a stray external
    URL fails the test at once instead of waiting on the closed network.
    """
    context = browser.new_context(
        viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1
    )
    page = context.new_page()
    page.on("request", lambda req: page_log.requests.append(req.url))
    page.on(
        "console",
        lambda msg: page_log.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: page_log.errors.append(f"page error: {exc}"))
    context.route(
        "**/*", lambda route: route.continue_() if is_loopback(route.request.url) else route.abort()
    )
    request.node.browser_page = page
    yield page
    context.close()


@pytest.fixture
def live_app() -> Iterator[Callable[[Flask], str]]:
    """Serve a Flask app on a free loopback port in a thread; returns its base URL."""
    servers = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    page = getattr(item, "browser_page", None)
    if report.failed and report.when == "call" and page is not None and not page.is_closed():
        try:
            path = screenshot(page, f"FAILED-{item.name}")
            report.sections.append(("screenshot", str(path)))
        except Exception as exc:  # the page may be what broke
            report.sections.append(("screenshot", f"could not take one: {exc}"))
    return report


def pytest_terminal_summary(terminalreporter, config):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if (config.rootpath / report.nodeid.split("::")[0]).resolve().is_relative_to(HERE)
    ]
    if not skipped:
        return
    reason = unavailable_reason() or "see the skip reasons above"
    terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", yellow=True, bold=True)
    terminalreporter.write_line(f"{len(skipped)} browser test(s) did not run: {reason}.")
