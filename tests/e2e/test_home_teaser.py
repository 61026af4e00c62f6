"""The phone home page opens with the series teaser (muted, looping, captioned in the
page's language) and one call to action, the story rail within the first screen;
with Save-Data or reduced motion the poster only, not a byte of video; without
JavaScript the poster and the call to action; the desktop keeps its mosaic."""

import pytest

from tests.e2e.conftest import processed_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
LOCALES = {"en": "en-GB", "it": "it-IT", "fr": "fr-FR", "de": "de-DE"}
# What the brief asks for: navigator.connection.saveData = true.
SAVE_DATA = """
Object.defineProperty(Navigator.prototype, "connection", {
  configurable: true,
  get: function () { return { saveData: true }; },
});
"""
PLAYING = (
    "() => { const v = document.querySelector('.teaser-video');"
    " return v && !v.paused && v.currentTime > 0.3; }"
)
# Set once the teaser has gone back to its start while playing (a loop).
WATCH_LOOP = """() => {
  const video = document.querySelector('.teaser-video');
  let last = 0;
  video.addEventListener('timeupdate', () => {
    if (video.currentTime + 0.5 < last) window.teaserLooped = true;
    last = video.currentTime;
  });
}"""
RAIL_TOP = "() => document.getElementById('story-rail').getBoundingClientRect().top"


@pytest.fixture
def teaser_site(transactional_db, e2e_clip):
    """The demo campaign and three published episodes (real processed clips, with
    captions in four languages), and the teaser the task cut from them."""
    import datetime as dt

    from django.utils import timezone

    from campaign.demo import load_campaign
    from stories.models import Caption, Episode, Series
    from stories.services import teaser_refresh
    from stories.webvtt import write_webvtt

    load_campaign()
    series = Series.objects.create(slug="create-kindness", title_en="#CreateKindness")
    for order in range(3):
        episode = Episode.objects.create(
            series=series,
            slug=f"episode-{order + 1}",
            order=order,
            publish_at=timezone.now() - dt.timedelta(days=1),
            video=processed_video(e2e_clip),
            creator_handle="@milkymichii",
            creator_name="milkymichii",
            situation=Episode.Situation.UNKIND_DUETS,
            is_demo=True,
            **{f"title_{code}": f"Episode {order + 1} ({code})" for code in LOCALES},
        )
        for code in LOCALES:
            Caption.objects.create(
                episode=episode,
                language=code,
                text=write_webvtt([(0.0, 1.1, f"Teaser line {order + 1} [{code}]")]),
            )
    teaser = teaser_refresh()
    assert teaser is not None
    return teaser


def context_for(browser, viewport, *, locale="en-GB", javascript=True, **options):
    context = browser.new_context(
        viewport=viewport,
        locale=locale,
        is_mobile=viewport is PHONE,
        has_touch=viewport is PHONE,
        java_script_enabled=javascript,
        **options,
    )
    context.set_default_timeout(15_000)
    return context


def recorded(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def in_first_screen(box, height) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
def test_the_phone_home_opens_with_the_teaser_playing_muted_and_captioned(
    live_server, teaser_site, browser, language
):
    context = context_for(browser, PHONE, locale=LOCALES[language])
    page = context.new_page()
    urls = recorded(page)
    page.goto(f"{live_server.url}/{language}/")
    page.wait_for_function(PLAYING)

    state = page.evaluate(
        """() => { const v = document.querySelector('.teaser-video');
        const t = v.textTracks[0];
        return {muted: v.muted, loop: v.loop, inline: v.playsInline,
                language: t.language, mode: t.mode, cues: t.cues ? t.cues.length : 0,
                cue: t.cues && t.cues.length ? t.cues[0].text : ''}; }"""
    )
    assert state["muted"] and state["loop"] and state["inline"]
    assert state["language"] == language and state["mode"] == "showing"
    assert state["cues"] == 3
    assert state["cue"] == f"Teaser line 1 [{language}]"
    # The first screen: the teaser whole, one call to action, the rail starting.
    assert in_first_screen(page.locator(".teaser").bounding_box(), PHONE["height"])
    actions = page.locator(".hero-actions a")
    visible = [a for a in actions.all() if a.is_visible()]
    assert len(visible) == 1
    assert in_first_screen(visible[0].bounding_box(), PHONE["height"])
    assert page.evaluate(RAIL_TOP) < PHONE["height"]
    # It loops (three cuts of 1.2 s) instead of stopping on its last frame.
    page.evaluate(WATCH_LOOP)
    page.wait_for_function("() => window.teaserLooped === true", timeout=20_000)
    assert not page.evaluate("() => document.querySelector('.teaser-video').ended")
    poster = teaser_site.video.poster_url
    assert sum(url.endswith(poster) for url in urls) == 1
    context.close()


@pytest.mark.parametrize("asks", ["save-data", "reduced-motion"])
def test_save_data_or_reduced_motion_gets_the_poster_and_not_a_byte_of_video(
    live_server, teaser_site, browser, asks
):
    options = {"reduced_motion": "reduce"} if asks == "reduced-motion" else {}
    context = context_for(browser, PHONE, **options)
    if asks == "save-data":
        context.add_init_script(SAVE_DATA)
    page = context.new_page()
    urls = recorded(page)
    page.goto(f"{live_server.url}/en/")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => document.querySelector('.teaser-poster').naturalWidth > 0"
    )

    assert page.locator(".teaser-video").count() == 0
    assert page.locator(".teaser-toggle").is_hidden()
    assert in_first_screen(page.locator(".teaser").bounding_box(), PHONE["height"])
    poster = teaser_site.video.poster_url
    assert sum(url.endswith(poster) for url in urls) == 1
    assert not [url for url in urls if url.endswith(".mp4") or ".vtt" in url]
    assert page.evaluate(RAIL_TOP) < PHONE["height"]
    context.close()


def test_without_javascript_the_phone_gets_the_poster_and_the_call_to_action(
    live_server, teaser_site, browser
):
    context = context_for(browser, PHONE, javascript=False)
    page = context.new_page()
    urls = recorded(page)
    page.goto(f"{live_server.url}/en/")
    page.wait_for_load_state("networkidle")

    poster = page.locator(".teaser-poster")
    assert poster.is_visible()
    assert in_first_screen(poster.bounding_box(), PHONE["height"])
    assert page.locator(".hero-actions a", has_text="Watch the stories").is_visible()
    assert not [url for url in urls if url.endswith(".mp4")]
    # Demo material says so.
    assert page.locator(".teaser-badge").is_visible()
    context.close()


def test_the_desktop_keeps_the_mosaic_and_fetches_nothing_of_the_teaser(
    live_server, teaser_site, browser
):
    context = context_for(browser, DESKTOP)
    page = context.new_page()
    urls = recorded(page)
    page.goto(f"{live_server.url}/en/")
    page.wait_for_load_state("networkidle")

    assert page.locator(".hero-mosaic").is_visible()
    assert page.locator(".hero-mosaic .hero-tile").count() == 3
    assert page.locator(".teaser").is_hidden()
    assert page.locator(".hero .lead").is_visible()
    assert page.locator(".hero-actions a:visible").count() == 2
    assert page.locator(".teaser-video").count() == 0
    teaser_files = (teaser_site.video.poster_url, teaser_site.video.video_url)
    assert not [url for url in urls if url.endswith(teaser_files)]
    context.close()


# The home page's gallery row: every visible row is whole (as many cards as the
# first), and the cards reach both ends of the row, or (one to three cards on a wide
# screen, kept card-sized) sit in its middle: no hole at one end.
ROW_GEOMETRY = """() => {
  const list = document.querySelector('.home-row').getBoundingClientRect();
  const rows = {};
  [...document.querySelector('.home-row').children]
    .filter((item) => item.offsetParent !== null)
    .forEach((item) => {
      const box = item.getBoundingClientRect();
      (rows[Math.round(box.top)] ||= []).push([box.left, box.right]);
    });
  return {left: list.left, right: list.right, rows: Object.values(rows)};
}"""


@pytest.mark.parametrize("count", [3, 5])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_the_home_gallery_row_has_no_gap(
    live_server, transactional_db, browser, tmp_path, count, viewport
):
    from challenge.models import Entry
    from tests.challenge.factories import make_entry

    for _ in range(count):
        make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
    context = context_for(browser, viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    geometry = page.evaluate(ROW_GEOMETRY)

    rows = geometry["rows"]
    assert rows and all(len(row) == len(rows[0]) for row in rows), rows
    for row in rows:
        before = min(left for left, _right in row) - geometry["left"]
        after = geometry["right"] - max(right for _left, right in row)
        if before < 2:
            assert after < 2, (row, geometry)  # the row is full
        else:
            assert abs(before - after) < 2, (row, geometry)  # centred
    context.close()


def test_the_phone_home_with_the_teaser_passes_axe(live_server, teaser_site, browser):
    from tests.browser import serious_violations

    context = context_for(browser, PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    page.wait_for_function(PLAYING)
    assert serious_violations(page) == []
    # The pause button is a real button, named, and does what it says.
    toggle = page.get_by_role("button", name="Pause the teaser")
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.teaser-video').paused")
    page.get_by_role("button", name="Play the teaser").wait_for(state="visible")
    context.close()


def test_the_teaser_fits_a_320_px_phone(live_server, teaser_site, browser):
    context = context_for(browser, {"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server.url}/de/")
    page.wait_for_function(PLAYING)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    box = page.locator(".teaser").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    context.close()
