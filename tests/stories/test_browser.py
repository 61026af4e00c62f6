"""The player in a real browser: play, captions, the creator reveal, the beacon."""

import time

import pytest

from stories.selectors import story_views_total
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_page(new_page):
    """A phone-sized page that records script errors and console errors."""
    page = new_page("phone")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.errors = errors
    return page


@pytest.fixture
def published_episode(transactional_db, make_episode, ready_video, add_captions):
    episode = make_episode("block-the-bullies", video=ready_video)
    add_captions(episode)
    return episode


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_episode_plays_with_captions_and_reveals_its_creator(
    live_server, browser_page, published_episode
):
    page = browser_page
    page.goto(f"{live_server.url}/fr/stories/block-the-bullies/")
    video = page.locator("video")
    assert video.get_attribute("preload") == "metadata"
    assert video.get_attribute("autoplay") is None

    # Muted, as a browser allows play() without a gesture then.
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !v.paused && v.readyState >= 3 && v.currentTime > 0.4; }",
        timeout=10_000,
    )

    tracks = page.evaluate(
        "() => Array.from(document.querySelector('video').textTracks,"
        " t => [t.language, t.kind, t.mode])"
    )
    assert sorted(language for language, _kind, _mode in tracks) == [
        "de",
        "en",
        "fr",
        "it",
    ]
    assert all(kind == "captions" for _language, kind, _mode in tracks)
    modes = {language: mode for language, _kind, mode in tracks}
    assert modes["fr"] == "showing"
    assert {modes[code] for code in ("en", "it", "de")} <= {"disabled", "hidden"}
    # The French captions really loaded: their cues are there (the writer splits the
    # three demo lines into screens a person can read, so there are at least three).
    page.wait_for_function(
        "() => { const t = Array.from(document.querySelector('video').textTracks)"
        ".find(t => t.language === 'fr'); return t.cues && t.cues.length >= 3; }"
    )

    # The first play sent one cookie-free beacon.
    assert wait_until(lambda: story_views_total() == 1)

    card = page.locator("#creator-reveal")
    assert "is-revealed" not in (card.get_attribute("class") or "")
    page.evaluate(
        "() => { const v = document.querySelector('video');"
        " v.currentTime = Math.max(0, v.duration - 0.3); }"
    )
    page.wait_for_function(
        "() => document.querySelector('video').ended", timeout=10_000
    )
    page.wait_for_function(
        "() => document.getElementById('creator-reveal').classList.contains('is-revealed')"
    )
    assert page.evaluate("() => document.activeElement.id") == "creator-reveal"
    assert "@milkymichii" in card.inner_text()
    # An end-screen over the player, with "Watch again"; folded while it played.
    assert page.evaluate(
        "() => !!document.getElementById('creator-reveal').closest('[data-player]')"
    )
    assert card.is_visible()
    replay = page.locator("[data-reveal-replay]")
    assert replay.is_visible()

    # Watching again does not count again on the same page view, and puts the card
    # back below the player, unfolded: the creator has been revealed.
    replay.click()
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.wait_for_timeout(500)
    assert story_views_total() == 1
    assert page.locator(".creator-handle").is_visible()
    assert replay.is_hidden()
    assert not page.evaluate(
        "() => !!document.getElementById('creator-reveal').closest('[data-player]')"
    )
    assert page.errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_story_pages_pass_axe_and_the_player_is_reachable_by_keyboard(
    live_server, browser_page, published_episode, width
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/en/stories/", "/en/stories/block-the-bullies/"):
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    # Keyboard only: Tab reaches the video's native controls.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName") == "VIDEO":
            break
    assert page.evaluate("() => document.activeElement.tagName") == "VIDEO"
    assert page.errors == []
