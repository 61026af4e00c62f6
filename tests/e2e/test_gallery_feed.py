"""The gallery on phones, a full-screen feed, and on desktops, a grid whose rows fill
(Chromium at 390x844 and 1366x768, with real approved demo entries: real posters,
real MP4s through the checked media view).

Phones: a swipe moves one entry per screen (scroll-snap), only the entry in view
plays, muted until the visitor turns the sound on, the arrow keys move one entry and
focus follows, the next page comes as the end nears; with Save-Data or "reduce
motion" no video byte is fetched, only posters. Everywhere: a chip applies its
filter at once, without a submit button.
"""

import re

import pytest

from tests.browser import SCREENSHOTS, SCROLL_SETTLED, serious_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
VIDEO_FILE = re.compile(r"/video\.mp4|/hls/|\.m3u8|/original")
SAVE_DATA = """Object.defineProperty(Navigator.prototype, "connection", {
  configurable: true,
  get() { return { saveData: true, effectiveType: "4g",
                   addEventListener() {}, removeEventListener() {} }; },
});"""
# The index of the entry whose screen starts at the top of the viewport, else -1.
ENTRY_AT_TOP = """() => [...document.querySelectorAll('#gallery-grid > li')]
  .findIndex((item) => Math.abs(item.getBoundingClientRect().top) < 2)"""
PLAYING = """() => [...document.querySelectorAll('#gallery-grid video')]
  .map((video) => video.closest('article').id + ':' + (video.paused ? 'paused' : 'playing'))"""


@pytest.fixture
def demo_entries(transactional_db, tmp_path):
    """Three approved demo entries with real files, newest last made."""
    import datetime as dt

    from campaign.demo import load_campaign
    from challenge.models import Entry
    from tests.challenge.factories import make_entry, make_participant

    load_campaign()
    entries = []
    for number, prompt in enumerate(("moment", "words", "moment")):
        participant = make_participant(handle=f"demo.feed{number}")
        participant.is_demo = True
        participant.save(update_fields=["is_demo"])
        entries.append(
            make_entry(
                state=Entry.State.APPROVED,
                participant=participant,
                caption=f"A kind moment number {number} #CreateKindness",
                prompt=prompt,
                with_files=True,
                tmp_dir=tmp_path,
                waited=dt.timedelta(hours=3 - number),
            )
        )
    # Newest first, as the gallery lists them.
    return list(reversed(entries))


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(viewport=PHONE, *, save_data=False, reduced_motion=None, javascript=True):
        phone = viewport == PHONE
        context = browser.new_context(
            viewport=viewport,
            locale="en-GB",
            is_mobile=phone,
            has_touch=phone,
            reduced_motion=reduced_motion or "no-preference",
            java_script_enabled=javascript,
        )
        context.set_default_timeout(15_000)
        if save_data:
            context.add_init_script(SAVE_DATA)
        contexts.append(context)
        page = context.new_page()
        page.media_urls = []
        page.on(
            "request",
            lambda request: page.media_urls.append(request.url),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def video_requests(page) -> list[str]:
    return [url for url in page.media_urls if VIDEO_FILE.search(url)]


def press_and_settle(page, key: str) -> int:
    page.keyboard.press(key)
    page.evaluate(SCROLL_SETTLED)
    return page.evaluate(ENTRY_AT_TOP)


def wait_playing(page, entry) -> None:
    page.wait_for_function(
        "(id) => { const v = document.querySelector(`#entry-${id} video`);"
        " return v && !v.paused && v.currentTime > 0; }",
        arg=entry.pk,
    )


def swipe_up(page, distance: int, *, steps: int = 10, shot: str = "") -> int:
    """A finger moving `distance` px up the screen in `steps` frames, then lifted;
    the entry at the top once it has settled. `shot`: a screenshot of the screen
    before the finger is lifted (tests/e2e/screenshots/<shot>.png)."""
    session = page.context.new_cdp_session(page)
    start = 780

    def touch(kind, y=None):
        points = [] if y is None else [{"x": 195, "y": y}]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", start)
    for step in range(1, steps + 1):
        touch("touchMove", start - distance * step / steps)
        page.wait_for_timeout(16)
    if shot:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))
    touch("touchEnd")
    page.evaluate(SCROLL_SETTLED)
    return page.evaluate(ENTRY_AT_TOP)


def test_a_swipe_moves_one_entry_per_screen(live_server, demo_entries, open_page):
    page = open_page()
    page.goto(f"{live_server.url}/en/gallery/")
    assert page.locator("#gallery-grid > li").count() == 3
    heights = page.evaluate(
        "() => [...document.querySelectorAll('#gallery-grid > li')]"
        ".map((item) => item.getBoundingClientRect().height)"
    )
    assert heights == [PHONE["height"]] * 3  # one entry per screen
    assert press_and_settle(page, "ArrowDown") == 0
    # A swipe moves on one entry, and lands on it (never between two).
    assert swipe_up(page, 500, shot="gallery-feed-mid-swipe-390") == 1
    assert swipe_up(page, 500) == 2
    # The mouse wheel too lands on an entry, never between two.
    page.mouse.wheel(0, -500)
    page.evaluate(SCROLL_SETTLED)
    assert page.evaluate(ENTRY_AT_TOP) == 1


def test_only_the_entry_in_view_plays_muted_until_the_sound_is_turned_on(
    live_server, demo_entries, open_page
):
    first, second, third = demo_entries
    page = open_page()
    page.goto(f"{live_server.url}/en/gallery/")
    page.wait_for_load_state("load")
    # Above the feed (its first entry less than a screen in view), nothing plays.
    assert video_requests(page) == []
    press_and_settle(page, "ArrowDown")
    wait_playing(page, first)
    assert page.evaluate(PLAYING) == [
        f"entry-{first.pk}:playing",
        f"entry-{second.pk}:paused",
    ]
    # The next entry is there with its poster, and no video byte of it yet.
    assert page.evaluate(
        "(id) => [...document.querySelectorAll('#gallery-grid video')]"
        ".every((video) => video.getAttribute('preload') === 'none')",
        arg=second.pk,
    )
    assert not [url for url in video_requests(page) if str(second.video_id) in url]
    assert page.evaluate(f"document.querySelector('#entry-{first.pk} video').muted")
    sound = page.locator(f"#entry-{first.pk} [data-feed-sound]")
    assert sound.is_visible()
    assert sound.text_content() == "Turn the sound on"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gallery-feed-390.png"))

    swipe_up(page, 500)
    wait_playing(page, second)
    playing = page.evaluate(PLAYING)
    assert f"entry-{first.pk}:paused" in playing
    assert [state for state in playing if state.endswith(":playing")] == [
        f"entry-{second.pk}:playing"
    ]
    assert page.evaluate(f"document.querySelector('#entry-{second.pk} video').muted")

    page.locator(f"#entry-{second.pk} [data-feed-sound]").click()
    assert not page.evaluate(
        f"document.querySelector('#entry-{second.pk} video').muted"
    )
    assert page.locator(f"#entry-{second.pk} [data-feed-sound]").text_content() == (
        "Turn the sound off"
    )
    # The visitor's choice holds for the next entry; still one video at a time.
    press_and_settle(page, "ArrowDown")
    wait_playing(page, third)
    assert not page.evaluate(f"document.querySelector('#entry-{third.pk} video').muted")
    assert [s for s in page.evaluate(PLAYING) if s.endswith(":playing")] == [
        f"entry-{third.pk}:playing"
    ]
    # Pause is a visible button too.
    page.locator(f"#entry-{third.pk} [data-feed-play]").click()
    assert page.evaluate(f"document.querySelector('#entry-{third.pk} video').paused")


def test_arrow_keys_move_one_entry_and_focus_follows(
    live_server, demo_entries, open_page
):
    page = open_page()
    page.goto(f"{live_server.url}/en/gallery/")
    focused = "() => document.activeElement.id"
    for index, entry in enumerate(demo_entries):
        assert press_and_settle(page, "ArrowDown") == index
        assert page.evaluate(focused) == f"entry-{entry.pk}"
    assert press_and_settle(page, "PageUp") == 1
    assert page.evaluate(focused) == f"entry-{demo_entries[1].pk}"
    assert press_and_settle(page, "ArrowUp") == 0
    # Tab goes on through the entry in view: its buttons, its handle, its links.
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "() => document.activeElement.closest('article') &&"
        " document.activeElement.closest('article').id"
    )
    assert inside == f"entry-{demo_entries[0].pk}"


@pytest.mark.parametrize("setting", ["save-data", "reduced-motion"])
def test_save_data_and_reduced_motion_fetch_posters_only(
    live_server, demo_entries, open_page, setting
):
    page = open_page(
        save_data=setting == "save-data",
        reduced_motion="reduce" if setting == "reduced-motion" else None,
    )
    page.goto(f"{live_server.url}/en/gallery/")
    for _ in demo_entries:
        press_and_settle(page, "ArrowDown")
    page.wait_for_timeout(500)
    assert video_requests(page) == []
    assert [url for url in page.media_urls if url.endswith("/poster.webp")]
    assert all(state.endswith(":paused") for state in page.evaluate(PLAYING))
    # A tap on Play plays it, then only.
    last = demo_entries[-1]
    play = page.locator(f"#entry-{last.pk} [data-feed-play]")
    assert play.text_content() == "Play"
    play.click()
    wait_playing(page, last)
    assert video_requests(page)


def test_the_next_page_loads_near_the_end_and_without_javascript_is_a_link(
    live_server, demo_entries, open_page, settings
):
    settings.GALLERY_PAGE_SIZE = 2
    page = open_page()
    page.goto(f"{live_server.url}/en/gallery/")
    assert page.locator("#gallery-grid > li").count() == 2
    press_and_settle(page, "ArrowDown")
    page.wait_for_function(
        "() => document.querySelectorAll('#gallery-grid > li').length === 3"
    )
    assert page.locator("[data-load-more]").count() == 0  # the last page came
    for index in (1, 2):
        assert press_and_settle(page, "ArrowDown") == index
    wait_playing(page, demo_entries[2])

    plain = open_page(javascript=False)
    plain.goto(f"{live_server.url}/en/gallery/")
    more = plain.locator("a[rel='next']")
    assert more.text_content() == "More entries"
    more.click()
    plain.wait_for_url(re.compile(r"\?after="))
    assert plain.locator("#gallery-grid article h2").all_text_contents() == [
        f"@{demo_entries[2].participant.handle}"
    ]


def test_each_entry_is_an_article_with_its_caption_and_its_actions(
    live_server, demo_entries, open_page
):
    page = open_page()
    page.goto(f"{live_server.url}/en/gallery/")
    for entry in demo_entries:
        handle = f"@{entry.participant.handle}"
        article = page.get_by_role("article", name=handle)
        assert article.count() == 1
        assert entry.caption[:40] in article.inner_text()
        assert "Demo" in article.inner_text()
        actions = article.locator(".feed-actions a")
        assert [link.get_attribute("href") for link in actions.all()] == [
            f"/en/gallery/{entry.pk}/#heart",
            f"/en/gallery/{entry.pk}/#share-heading",
            f"/en/gallery/{entry.pk}/report/",
        ]
        assert actions.first.is_visible()
    press_and_settle(page, "ArrowDown")
    assert serious_violations(page) == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_a_chip_applies_its_filter_at_once(
    live_server, demo_entries, open_page, viewport
):
    page = open_page(viewport)
    page.goto(f"{live_server.url}/en/gallery/")
    chips = page.locator(".gallery-chips")
    assert chips.locator("button, input, select").count() == 0
    assert chips.locator("[aria-current='true']").all_text_contents() == [
        "Newest first",
        "All themes",
        "All languages",
    ]
    chips.get_by_role("link", name="Kind words that inspired you").click()
    page.wait_for_url(re.compile(r"\?prompt=words$"))
    assert page.locator("#gallery-grid article h2").all_text_contents() == [
        f"@{demo_entries[1].participant.handle}"
    ]
    chips.get_by_role("link", name="Most hearted").click()
    page.wait_for_url(re.compile(r"\?sort=hearts&prompt=words$"))
    assert page.locator(".gallery-chips [aria-current='true']").all_text_contents() == [
        "Most hearted",
        "Kind words that inspired you",
        "All languages",
    ]


@pytest.mark.parametrize("count", [3, 5])
def test_at_1366_the_grid_rows_fill(live_server, demo_entries, open_page, count):
    from challenge.models import Entry
    from tests.challenge.factories import make_entries

    if count > len(demo_entries):
        make_entries(count - len(demo_entries), state=Entry.State.APPROVED)
    page = open_page(DESKTOP)
    page.goto(f"{live_server.url}/en/gallery/")
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#gallery-grid > li')].map((item) => {"
        " const box = item.getBoundingClientRect();"
        " return [Math.round(box.top), Math.round(box.left), Math.round(box.right)]; })"
    )
    assert len(boxes) == count
    assert len({top for top, _, _ in boxes}) == 1  # one row, no entry left over
    lefts = sorted(left for _, left, _ in boxes)
    rights = sorted(right for _, _, right in boxes)
    gaps = {lefts[i + 1] - rights[i] for i in range(count - 1)}
    assert len(gaps) == 1  # even spacing, no hole
    wrap = page.evaluate(
        "() => { const box = document.querySelector('.gallery-chips')"
        ".getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; }"
    )
    if count >= 4:  # a row of 4 to 6 spans the whole width
        assert (lefts[0], rights[-1]) == tuple(wrap)
    else:  # a shorter gallery is centred, never a row with empty places on one side
        assert abs((lefts[0] - wrap[0]) - (wrap[1] - rights[-1])) <= 1
    # No video on a desktop: the cards lead to each entry's page.
    assert page.locator("#gallery-grid video").count() == 0
