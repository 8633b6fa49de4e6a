"""Browser-test fixtures for every add-on (a pytest plugin loaded by the root conftest):
Playwright (Python) driving Debian's chromium against Django's live server.

Playwright's own browser download cannot work on a closed network, so
``scripts/install-browser.sh`` installs Debian's chromium and we launch it by path.
Screenshots land in ``test-output/e2e/``.
"""
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("OHMS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "e2e"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect

    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Actions post, run services and re-render: give a loaded CI machine 20 s, like pages get.
    expect.set_options(timeout=20_000)
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run scripts/install-browser.sh (make e2e does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
