"""Browser fixtures shared by every browser test: Debian's Chromium driven by
Playwright for Python.

Never `playwright install`: the browser comes from Debian (`apt-get install chromium`,
done by .ci/run). Without it these tests skip with a reason (and fail in CI).
tests/conftest.py imports the fixtures, so any test folder can use them.
"""

from pathlib import Path

import pytest

from bench.harness import CHROMIUM_ARGS
from tests.conftest import CHROMIUM, service_missing

SCREENSHOTS = Path(__file__).resolve().parent / "e2e" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# For page.evaluate: resolves once the page has stopped scrolling (a snap included)
# for 300 ms.
SCROLL_SETTLED = """() => new Promise((resolve) => {
  let last = window.scrollY, still = 0;
  const timer = setInterval(() => {
    if (window.scrollY === last) { if (++still >= 6) { clearInterval(timer); resolve(last); } }
    else { last = window.scrollY; still = 0; }
  }, 50);
})"""


def video_seek_to_end(page) -> None:
    """Jump the page's video to its last fifth of a second and wait for `ended`, as
    a viewer who watched it to the end."""
    page.evaluate(
        "() => { const v = document.querySelector('video');"
        " v.currentTime = Math.max(0, v.duration - 0.2); }"
    )
    page.wait_for_function("() => document.querySelector('video').ended")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in this thread while the
    browser is up, so every ORM call of the test (and live_server's flush after it)
    runs "inside" that loop: Django must be told that this is fine, for the
    browser modules only (the variable must never reach a deployment's
    `check --deploy`, hence module scope and its removal afterwards).
    """
    import os

    if not Path(CHROMIUM).exists():
        service_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser):
    """new_page(width="phone"|"desktop", locale="en") -> a Page in a fresh context."""
    contexts = []

    def make(width: str = "desktop", locale: str = "en-GB"):
        context = browser.new_context(
            viewport=PHONE if width == "phone" else DESKTOP,
            locale=locale,
            is_mobile=width == "phone",
            has_touch=width == "phone",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found
