"""Browser fixtures: Debian's Chromium driven by Playwright for Python.

Never `playwright install`: the browser comes from Debian (`apt-get install chromium`,
done by .ci/run). Without it these tests skip with a reason (and fail in CI).
"""

from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, service_missing, wait_for

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


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


# --- Site content shared by the journeys and the accessibility run -----------------


@pytest.fixture(scope="session")
def e2e_clip(tmp_path_factory) -> Path:
    """A tiny portrait clip with sound (2 s, 160x288), made once per session."""
    from videos.testing import make_clip

    folder = tmp_path_factory.mktemp("e2e-clips")
    return make_clip(folder / "kind.mp4", seconds=2, width=160, height=288, fps=12)


def processed_video(clip: Path):
    """A Video run through the real pipeline (eagerly or by the worker), ready."""
    from django.core.files import File

    from videos.models import Video
    from videos.services import video_create

    with clip.open("rb") as handle:
        video = video_create(file=File(handle, name=clip.name), original_name=clip.name)
    wait_for(
        lambda: (
            Video.objects.filter(pk=video.pk)
            .exclude(status__in=(Video.Status.PENDING, Video.Status.PROCESSING))
            .exists()
        ),
        timeout=60,
        what="the episode's video to be processed",
    )
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    return video


@pytest.fixture
def site_content(transactional_db, e2e_clip, tmp_path):
    """The demo campaign (helplines, partners), one published episode with captions
    in four languages, and one approved gallery entry with real files."""
    import datetime as dt

    from django.utils import timezone

    from campaign.demo import load_campaign
    from challenge.models import Entry
    from stories.demo import demo_captions
    from stories.models import Caption, Episode, Series
    from tests.challenge.fixtures_moderation import make_entry

    load_campaign()
    series = Series.objects.create(
        slug="create-kindness", title_en="#CreateKindness", published_by="@TikTokTips"
    )
    lines = {
        "en": "Be kind online",
        "it": "Sii gentile online",
        "fr": "Sois gentil en ligne",
        "de": "Sei freundlich im Netz",
    }
    episode = Episode.objects.create(
        series=series,
        slug="block-the-bullies",
        order=0,
        publish_at=timezone.now() - dt.timedelta(days=1),
        video=processed_video(e2e_clip),
        creator_handle="@milkymichii",
        creator_name="milkymichii",
        situation=Episode.Situation.UNKIND_DUETS,
        **{f"title_{code}": f"Block the bullies ({code})" for code in lines},
        **{f"synopsis_{code}": "A story about kindness." for code in lines},
        tips_en="Block and report.\nTell a friend.",
    )
    for code, line in lines.items():
        Caption.objects.create(
            episode=episode,
            language=code,
            text=demo_captions(
                title=f"Title {code}",
                line=line,
                behind="Behind this story: @milkymichii",
                seconds=2,
            ),
        )
    entry = make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
    return {"episode": episode, "entry": entry}
