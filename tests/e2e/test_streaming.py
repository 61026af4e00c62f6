"""An episode plays through HLS in Chromium (hls.js, or natively where the browser
can), its captions switch, and the page still offers the MP4 without JavaScript."""

import re

import pytest

from bench.playback import LIKE_FIREFOX, WITHOUT_NATIVE_HLS
from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def streamed_episode(transactional_db, tmp_path):
    import datetime as dt

    from django.core.files import File
    from django.utils import timezone

    from stories.demo import demo_captions
    from stories.demo_text import DEMO_CUE
    from stories.models import Caption, Episode, Series
    from videos.clips import make_clip
    from videos.services import video_create, video_process

    clip = make_clip(tmp_path / "ep.mp4", seconds=4, width=640, height=360, fps=12)
    with clip.open("rb") as handle:
        video = video_create(file=File(handle, name=clip.name), original_name="ep.mp4")
    video = video_process(video_id=video.pk)
    assert [rung["name"] for rung in video.ladder] == ["240p", "360p"]
    series = Series.objects.create(slug="kind", title_en="#CreateKindness")
    episode = Episode.objects.create(
        series=series,
        slug="streamed",
        order=0,
        publish_at=timezone.now() - dt.timedelta(days=1),
        video=video,
        creator_handle="@milkymichii",
        creator_name="milkymichii",
        situation=Episode.Situation.UNKIND_DUETS,
        title_en="Streamed",
        synopsis_en="A story about kindness.",
    )
    for code, line in {"en": "Be kind online", "fr": "Sois gentil en ligne"}.items():
        Caption.objects.create(
            episode=episode,
            language=code,
            text=demo_captions(
                title=f"Title {code}",
                line=line,
                behind="Original episode by @milkymichii",
                notice=DEMO_CUE[code],
                seconds=4,
            ),
        )
    return episode


TRACK_MODES = (
    "() => Object.fromEntries(Array.from(document.querySelector('video')"
    ".textTracks, t => [t.language, t.mode]))"
)


# Chromium plays HLS natively; pretending it cannot sends the page down the hls.js
# path (MediaSource under our CSP), as in Firefox and older Chromium.
@pytest.mark.parametrize(
    ("width", "player"),
    [("phone", "hls.js"), ("desktop", "hls.js"), ("phone", "browser")],
)
def test_episode_plays_the_hls_ladder_and_switches_captions(
    live_server, streamed_episode, new_page, width, player
):
    page = new_page(width)
    if player == "hls.js":
        page.add_init_script(WITHOUT_NATIVE_HLS)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{live_server.url}/en/stories/{streamed_episode.slug}/")
    video = page.locator("video")
    page.wait_for_function(
        "() => document.querySelector('video').dataset.streamMode !== undefined"
    )
    mode = video.get_attribute("data-stream-mode")
    assert mode == ("hls.js" if player == "hls.js" else "native") or (
        player == "browser" and mode == "hls.js"  # a Chromium without native HLS
    )

    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !v.paused && v.currentTime > 0.5; }"
    )
    hls_requests = [url for url in fetched if "/hls/" in url]
    assert any(url.endswith("/hls/master.m3u8") for url in hls_requests)
    assert any(re.search(r"/hls/\d+p/s\d{5}\.m4s$", url) for url in hls_requests)
    assert not any(url.endswith("/video.mp4") for url in fetched), (
        "the MP4 was fetched although the ladder plays"
    )
    if mode == "hls.js":
        assert any("/static/vendor/hls.js/" in url for url in fetched)
        assert (
            page.evaluate("() => document.querySelector('video').hls.levels.length")
            == 2
        )

    # Captions: English by default on an English page; switch to French.
    page.wait_for_function(
        "() => Array.from(document.querySelector('video').textTracks)"
        ".some(t => t.language === 'en' && t.mode === 'showing')"
    )
    page.evaluate(
        "() => Array.from(document.querySelector('video').textTracks).forEach("
        "t => { t.mode = t.language === 'fr' ? 'showing' : 'disabled'; })"
    )
    page.wait_for_function(
        "() => { const t = Array.from(document.querySelector('video').textTracks)"
        ".find(t => t.language === 'fr'); return t.cues && t.cues.length > 0"
        " && t.activeCues !== null; }"
    )
    modes = page.evaluate(TRACK_MODES)
    assert modes["fr"] == "showing" and modes["en"] == "disabled"
    screenshot(page, f"streaming-episode-{width}-{player}")
    assert errors == []


def test_without_javascript_the_player_offers_hls_then_the_mp4(
    live_server, streamed_episode, browser
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/en/stories/{streamed_episode.slug}/")
        sources = page.locator("video source")
        assert sources.nth(0).get_attribute("type") == "application/vnd.apple.mpegurl"
        assert sources.nth(1).get_attribute("type") == "video/mp4"
        assert page.locator("video track").count() == 2
        # Chromium without JavaScript (and without native HLS) plays the MP4.
        page.wait_for_function(
            "() => document.querySelector('video').currentSrc !== ''", timeout=10_000
        )
        src = page.evaluate("() => document.querySelector('video').currentSrc")
        assert src.endswith(("/video.mp4", "/master.m3u8"))
    finally:
        context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_approved_entry_plays_through_hls_js(
    live_server, transactional_db, tmp_path, new_page, width
):
    from challenge.models import Entry
    from tests.challenge.factories import make_entry

    entry = make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
    page = new_page(width)
    page.add_init_script(WITHOUT_NATIVE_HLS)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{live_server.url}/en/gallery/{entry.pk}/")
    page.wait_for_function("() => !!document.querySelector('video').hls")
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v.currentTime > 0.2 || v.ended; }"
    )
    assert any(re.search(r"/hls/\d+p/s\d{5}\.m4s$", url) for url in fetched)
    assert not any(url.endswith("/video.mp4") for url in fetched)
    screenshot(page, f"streaming-entry-{width}")


def _segment_requests(fetched):
    """hls.js's own segment requests (XHR), not the <video>'s."""
    return [
        re.search(r"/hls/(\d+p/s\d{5}\.m4s)$", url).group(1)
        for url, kind in fetched
        if kind in ("xhr", "fetch") and re.search(r"/hls/\d+p/s\d{5}\.m4s$", url)
    ]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_hls_js_starts_on_the_lowest_rung_with_one_segment_before_play(
    live_server, streamed_episode, new_page, width
):
    page = new_page(width)
    page.add_init_script(LIKE_FIREFOX)
    fetched = []
    page.on(
        "request",
        lambda request: fetched.append((request.url, request.resource_type)),
    )
    page.goto(f"{live_server.url}/en/stories/{streamed_episode.slug}/")

    # While hls.js downloads, the page warms the three small files it asks for
    # first; never a segment (a cached segment would fake the bandwidth).
    warmed = page.evaluate(
        "() => Array.from(document.querySelectorAll('link[rel=preload][as=fetch]'),"
        " l => new URL(l.href).pathname)"
    )
    base = streamed_episode.stream_url.rsplit("/", 1)[0]
    assert warmed == [
        streamed_episode.stream_url,
        f"{base}/240p/index.m3u8",
        f"{base}/240p/init.mp4",
    ]

    page.wait_for_function("() => !!document.querySelector('video').hls")
    page.wait_for_function(
        "() => document.querySelector('video').buffered.length > 0", timeout=10_000
    )
    page.wait_for_timeout(500)  # would a second segment (or rung) follow?
    assert page.evaluate("() => document.querySelector('video').paused")
    # Exactly the lowest rung's first segment: no bandwidth-test segment fetched
    # and thrown away (startLevel -1 does that), no second segment before play.
    assert _segment_requests(fetched) == ["240p/s00000.m4s"]
    # The MP4 the <video> picked first (as Firefox does) is let go: its <source>s
    # are out (which stops its preload), hls.js's MediaSource plays.
    assert page.evaluate("() => document.querySelectorAll('video source').length") == 0
    assert page.evaluate("() => document.querySelector('video').currentSrc").startswith(
        "blob:"
    )

    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v.currentTime > 1 || v.ended; }"
    )
    assert len(_segment_requests(fetched)) > 1, "play lifts the one-segment limit"


def test_with_save_data_hls_js_fetches_no_segment_before_play(
    live_server, streamed_episode, new_page
):
    page = new_page("phone")
    page.add_init_script(WITHOUT_NATIVE_HLS)
    page.add_init_script(
        "Object.defineProperty(navigator, 'connection',"
        " { value: { saveData: true }, configurable: true });"
    )
    fetched = []
    page.on(
        "request",
        lambda request: fetched.append((request.url, request.resource_type)),
    )
    page.goto(f"{live_server.url}/en/stories/{streamed_episode.slug}/")
    page.wait_for_function(
        "() => { const h = document.querySelector('video').hls;"
        " return h && h.levels && h.levels.length > 0; }"
    )
    page.wait_for_timeout(1000)
    assert _segment_requests(fetched) == []
    assert (
        page.evaluate(
            "() => document.querySelectorAll('link[rel=preload][href*=\"/v/\"]').length"
        )
        == 0  # no stream file warmed (the page's own font preloads are not counted)
    )
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    assert _segment_requests(fetched)[0] == "240p/s00000.m4s"
