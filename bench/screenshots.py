"""Screenshots of every public page at 390 px and 1366 px, for reviewers who do not
run the site: `make screenshots` (or `.venv/bin/python bench/screenshots.py`).

It starts the site on its own: a temporary DATA_DIR with SQLite, the demo content
(videos processed inline, CELERY_TASK_ALWAYS_EAGER), one signed-in participant for
the submit page, and `runserver` on a free port. Debian's Chromium (Playwright, never
`playwright install`) takes one screen of each page (the viewport, not the whole
page) as a first-time visitor; the PNGs are reduced to a 256-colour palette and
written to docs/screenshots/ as <page>-<language>-<width>.png: every page in English,
the home page in Italian, French and German too, plus the phone menu open and the
home page of a returning visitor (the banner on one line). Prints each file's size.

    bench/screenshots.py [--out docs/screenshots] [--only home,help] [--every-language]

`--every-language` takes every page in Italian, French and German too (for reviewing
text lengths; the committed folder keeps the default set).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402  (bench/harness.py)

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {
    "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    "1366": {"viewport": {"width": 1366, "height": 768}, "is_mobile": False},
}
LOCALES = {"en": "en-GB", "it": "it-IT", "fr": "fr-FR", "de": "de-DE"}
# name -> path under /<lang>; {episode} and {entry} are found on the running site.
PAGES = {
    "home": "/",
    "stories": "/stories/",
    "episode": "/stories/{episode}/",
    "challenge": "/challenge/",
    "rules": "/challenge/rules/",
    "help": "/help/",
    "partners": "/partners/",
    "partner-toolkit": "/partners/toolkit/",
    "gallery": "/gallery/",
    "entry": "/gallery/{entry}/",
    "embed": "/gallery/embed/",
    "who-runs-this": "/about/who-runs-this/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "password-reset": "/accounts/password/reset/",
    "not-found": "/no-such-page/",
    "submit": "/challenge/submit/",  # signed in
}
SIGNED_IN = {"submit"}
EMAIL, PASSWORD = "screenshots@demo.kindnesshub.example", "a-screenshot-passw0rd"
PARTICIPANT = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from challenge.models import Participant
user, _ = get_user_model().objects.get_or_create(username="screenshots",
    defaults={{"email": "{EMAIL}"}})
user.set_password("{PASSWORD}")
user.save()
EmailAddress.objects.get_or_create(user=user, email="{EMAIL}",
    defaults={{"verified": True, "primary": True}})
Participant.objects.get_or_create(user=user, defaults={{"handle": "kind_reviewer",
    "birth_year": 2000, "birth_month": 1, "country": "GB", "language": "en"}})
"""


def site_environment(data_dir: str, port: int) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "EMAIL_URL"}
    }
    env.update(
        DATA_DIR=data_dir,
        SITE_URL=f"http://127.0.0.1:{port}",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the site did not answer at {url}")


def reduce_png(path: Path) -> int:
    """A 256-colour palette keeps a screen of text and flat colour readable and small."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT
        )
    small.save(path, optimize=True)
    return path.stat().st_size


# The phone home's teaser, once it has played a second (its captions are on): a
# screenshot of its first instant would show the poster only.
TEASER_UNDER_WAY = """() => {
  const video = document.querySelector('.teaser-video');
  return !video || video.currentTime > 1.2;
}"""


def settle(page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready")
    page.wait_for_function(TEASER_UNDER_WAY, timeout=10_000)
    page.wait_for_timeout(250)


def first_link(page, base: str, path: str, pattern: str) -> str:
    """The last path segment of the first link in <main> matching `pattern`."""
    page.goto(base + path)
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    match = next(filter(None, (re.fullmatch(pattern, href) for href in hrefs)))
    return match.group(1)


def shoot(
    base: str, out: Path, only: set[str], every_language: bool = False
) -> list[tuple[str, int]]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        probe = browser.new_page(locale=LOCALES["en"])
        found = {
            "episode": first_link(
                probe, base, "/en/stories/", r"/en/stories/([\w-]+)/"
            ),
            "entry": first_link(probe, base, "/en/gallery/", r"/en/gallery/(\d+)/"),
        }
        probe.close()

        def save(page, name: str) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            written.append((path.name, reduce_png(path)))

        for width, options in WIDTHS.items():
            for language in LOCALES:
                context = browser.new_context(
                    **options, has_touch=options["is_mobile"], locale=LOCALES[language]
                )
                page = context.new_page()
                names = PAGES if language == "en" or every_language else {"home": "/"}
                for name, path in names.items():
                    if only and name not in only:
                        continue
                    if name in SIGNED_IN:
                        page.goto(f"{base}/{language}/accounts/login/")
                        page.fill("input[name='login']", EMAIL)
                        page.fill("input[name='password']", PASSWORD)
                        page.locator("main button[type='submit']").first.click()
                        page.wait_for_load_state()
                    page.goto(f"{base}/{language}{path.format(**found)}")
                    settle(page)
                    save(page, f"{name}-{language}-{width}")
                if language == "en" and width == "390" and (not only or "home" in only):
                    page.goto(f"{base}/en/")
                    settle(page)
                    page.click("[aria-controls='site-menu']")
                    save(page, "menu-en-390")
                    returning = context.new_page()  # a later visit: another tab
                    returning.goto(f"{base}/en/")
                    settle(returning)
                    save(returning, "home-en-390-returning")
                context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument(
        "--every-language",
        action="store_true",
        help="every page in all four languages (for a review; commit the default set)",
    )
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kh-screenshots-") as data_dir:
        env = site_environment(data_dir, port)
        print(f"demo content in {data_dir} (videos are processed inline)…", flush=True)
        manage(env, "compiletranslations")
        manage(env, "migrate", "--noinput")
        manage(env, "demo_content")
        manage(env, "shell", "-c", PARTICIPANT)
        server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/en/")
            written = shoot(base, args.out, only, args.every_language)
        finally:
            server.terminate()
            server.wait(timeout=10)
    for name, size in written:
        print(f"{name:36} {size / 1024:6.1f} KB")
    print(f"{len(written)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
