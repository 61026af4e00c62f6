"""The gallery wall (?wall=1) in Chromium on a 1,366 x 768 screen: several tiles of
approved entries, their clips looping muted, one tile making way for the next entry;
a QR code that a real decoder reads as the join link; the controls on the screen.
"Reduce motion" keeps the still grid, with the QR code and controls in view."""

import io

import pytest

from tests.browser import serious_violations

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}
SHOWN = ".wall-slide.is-current"


@pytest.fixture
def four_entries(site_content, tmp_path):
    from challenge.models import Entry
    from tests.challenge.factories import make_entry

    more = [
        make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
        for _ in range(3)
    ]
    return [site_content["entry"], *more]


def wall_page(browser, live_server, **options):
    context = browser.new_context(viewport=SCREEN, locale="en-GB", **options)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/gallery/?wall=1")
    page.wait_for_load_state("load")
    return context, page


def within_screen(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= SCREEN["width"]
        and box["y"] + box["height"] <= SCREEN["height"]
    )


def test_the_wall_shows_tiles_of_looping_clips(live_server, four_entries, browser):
    context, page = wall_page(browser, live_server)
    try:
        page.wait_for_function(
            f"() => {{ const v = document.querySelectorAll('{SHOWN} video');"
            " return v.length >= 3 && Array.from(v).every("
            "c => !c.paused && c.currentTime > 0); }"
        )
        shown = page.locator(SHOWN)
        assert shown.count() == 3  # as many as 1,366 x 768 holds, of four
        assert page.locator(".wall-slide:visible").count() == 3
        for index in range(shown.count()):
            assert within_screen(page, f"{SHOWN} >> nth={index}")

        # A one-second clip loops instead of freezing on its last frame.
        first = f"document.querySelector('{SHOWN} video')"
        assert page.evaluate(f"{first}.loop")
        page.wait_for_function(f"() => {first}.currentTime > 0.7")
        page.wait_for_function(
            f"() => {{ const v = {first}; return v.currentTime < 0.5"
            " && !v.paused && !v.ended; }"
        )

        # The fourth entry comes in where a tile was; three stay on screen.
        before = set(page.locator(f"{SHOWN} figcaption strong").all_text_contents())
        page.keyboard.press("ArrowRight")
        after = set(page.locator(f"{SHOWN} figcaption strong").all_text_contents())
        assert len(after) == 3 and after != before

        # Controls, QR code and link on the screen, and nothing to scroll.
        for selector in (
            "[data-wall-pause]",
            "[data-wall-fullscreen]",
            ".wall-controls a",
            "[data-wall-qr] svg",
            "[data-join-link]",
        ):
            assert within_screen(page, selector), selector
        assert page.evaluate(
            "document.scrollingElement.scrollHeight <= window.innerHeight"
        )
        page.keyboard.press(" ")
        assert page.locator("[data-wall-pause]").text_content().strip() == "Play"
        assert page.evaluate(
            f"Array.from(document.querySelectorAll('{SHOWN} video'))"
            ".every(v => v.paused)"
        )
        assert serious_violations(page) == []
    finally:
        context.close()


def test_the_qr_code_reads_as_the_join_link(live_server, four_entries, browser):
    import zxingcpp
    from django.conf import settings
    from PIL import Image

    context, page = wall_page(browser, live_server)
    try:
        picture = Image.open(
            io.BytesIO(page.locator("[data-wall-qr] svg").screenshot())
        )
        found = zxingcpp.read_barcodes(picture)
        assert [code.format for code in found] == [zxingcpp.BarcodeFormat.QRCode]
        link = settings.SITE_URL + "/join"
        assert found[0].text == link
        assert page.locator("[data-join-link]").text_content() == link.split("://")[1]
    finally:
        context.close()
    # The link leads to the challenge in the language of the phone that scans it.
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        page.goto(live_server.url + "/join")
        assert page.url == live_server.url + "/fr/challenge/"
    finally:
        phone.close()


def test_reduced_motion_keeps_the_still_grid(live_server, four_entries, browser):
    context, page = wall_page(browser, live_server, reduced_motion="reduce")
    try:
        assert page.locator(".wall-slide:visible").count() == 4
        assert page.locator(SHOWN).count() == 0
        assert page.locator("[data-wall-pause]").is_hidden()
        assert page.evaluate(
            "Array.from(document.querySelectorAll('video'))"
            ".every(v => v.paused && !v.getAttribute('src'))"
        )
        # The grid scrolls; the QR code and the way out stay on the screen.
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(200)
        assert within_screen(page, "[data-wall-qr] svg")
        assert within_screen(page, ".wall-controls a")
    finally:
        context.close()
