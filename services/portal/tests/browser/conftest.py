"""Browser tests of the portal: the whole system on free ports, driven by Debian's chromium.

Fixtures: `stack` (every Linli process on the demo county, one per test module), `browser`
(headless chromium from LINLI_CHROMIUM or /usr/bin/chromium; Playwright's own browser
downloads are never used), `context`/`page` (a fresh desktop-sized browser session per test).
Helpers: `screenshot(page, name)` saves the page at 1280 px and at 375 px under
test-artifacts/screenshots/ and checks the phone width has no horizontal scroll; `login(...)`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from linli_testing.servers import RedisServer
from linli_testing.stack import DEMO_PASSWORD, Stack

ROOT = Path(__file__).resolve().parents[4]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def chromium_path() -> str:
    """Debian's chromium (LINLI_CHROMIUM wins); `make test` installs it when missing."""
    path = os.environ.get("LINLI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("chromium is missing: run `make test` (it installs Debian's chromium) or set "
                    "LINLI_CHROMIUM to a Chromium executable")
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every Linli process with the demo county, for one test module."""
    redis = RedisServer().start()
    system = Stack(tmp_path_factory.mktemp("stack"), redis.url)
    try:
        system.start()
        yield system
    finally:
        system.stop()
        redis.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium, shared by the module's tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    """A fresh browser session (no cookies) at desktop size, addressing the portal."""
    opened = browser.new_context(viewport=DESKTOP, base_url=stack.urls["portal"],
                                 locale="zh-CN")
    opened.set_default_timeout(20_000)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in that session."""
    return context.new_page()


def screenshot(page: Page, name: str) -> list[Path]:
    """Save the page at 1280 px and 375 px wide; fail when the phone width scrolls sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", name)
    size = page.viewport_size or DESKTOP
    saved = []
    try:
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            path = SCREENSHOTS / f"{safe}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            if label == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (
                    f"{name}: the page is {width} px wide at a 375 px screen (see {path})")
    finally:
        page.set_viewport_size(size)
    print(f"screenshots: {', '.join(str(p) for p in saved)}")
    return saved


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form on the entry URL."""
    page.goto("/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.get_by_role("button", name=re.compile("^(登录|Log in)$")).click()
    expect(page.get_by_role("button", name=re.compile("退出登录|Log out"))).to_be_visible()
