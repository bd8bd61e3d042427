"""Shared Playwright fixtures for browser tests (headless Chromium against pytest-django's
live_server). Every browser test is marked `@pytest.mark.browser` and asks for `live_server`
(directly or through these fixtures), which gives it a transactional database the server thread
sees.

    @pytest.mark.browser
    def test_something(page, login, snap, user):
        login(page, user)                 # through the real login form
        page.goto("/stock/")              # URLs are relative to live_server
        snap(page, "stock-desktop")       # -> /tmp/screens/stock-desktop.png
        expect(page.locator("h1")).to_have_text("Stock")

Fixtures: `browser` (session), `new_page(viewport="desktop"|"phone", javascript=True)`, `page`
(desktop 1280x860), `phone_page` (390x844, touch), `login`, `snap`. When a test fails, a
screenshot of each of its pages goes to <pytest tmp>/browser-failures/ and the path is printed.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.environment import CHROMIUM, skip_or_fail

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
DEFAULT_TIMEOUT_MS = 10_000  # how long Playwright's auto-waiting polls before it gives up
PASSWORD = "pass-1234!"  # tests.factories.user's default
SCREENS_DIR = Path(os.environ.get("IMS_SCREENS_DIR", "/tmp/screens"))

expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)  # lets fixtures see whether the test failed
    return report


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not os.path.exists(CHROMIUM):
        skip_or_fail("needs Chromium at /usr/bin/chromium: apt-get install -y chromium")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM refuses to run
    # beside a running loop unless told the (synchronous) test code is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server, request, tmp_path_factory):
    """Open a page in a fresh browser context (no shared cookies) whose relative URLs go to the
    live server. Every page opened is screenshotted if the test fails."""
    contexts = []

    def open_page(viewport: str = "desktop", *, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript, **VIEWPORTS[viewport]
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = tmp_path_factory.getbasetemp() / "browser-failures"
        folder.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for i, context in enumerate(contexts):
            for j, failed_page in enumerate(context.pages):
                path = folder / f"{name}-{i}-{j}.png"
                try:
                    failed_page.screenshot(path=str(path), full_page=True)
                    print(f"screenshot of the failed page ({failed_page.url}): {path}")
                except Exception as exc:  # the page may be gone; the test's own error matters
                    print(f"no screenshot of {failed_page.url}: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page) -> Page:
    return new_page("phone")


@pytest.fixture
def login():
    """login(page, user, password=PASSWORD): sign in through the login form, like a person."""

    def sign_in(page: Page, user, password: str = PASSWORD) -> Page:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        return page

    return sign_in


@pytest.fixture
def snap():
    """snap(page, name): a full-page screenshot at $IMS_SCREENS_DIR/<name>.png (/tmp/screens by
    default), for people to look at; returns the path."""

    def take(page: Page, name: str) -> Path:
        SCREENS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENS_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
