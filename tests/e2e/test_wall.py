"""The gallery wall (?wall=1) in Chromium: one approved entry at a time, its video
playing muted; Space pauses, arrows move; "reduce motion" keeps the still grid."""

import pytest

from tests.browser import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def two_entries(site_content, tmp_path):
    from challenge.models import Entry
    from tests.challenge.factories import make_entry

    second = make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
    return [site_content["entry"], second]


def test_the_wall_plays_one_entry_after_another(live_server, two_entries, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/en/gallery/?wall=1")
    page.wait_for_function(
        "() => { const v = document.querySelector('.wall-slide.is-current video');"
        " return v && !v.paused && v.currentTime > 0; }"
    )
    assert page.locator(".wall-slide.is-current").count() == 1
    assert page.locator(".wall-slide:visible").count() == 1
    first = page.locator(".wall-slide.is-current figcaption strong").text_content()
    page.keyboard.press("ArrowRight")
    second = page.locator(".wall-slide.is-current figcaption strong").text_content()
    assert second != first
    page.keyboard.press(" ")
    assert page.locator("[data-wall-pause]").text_content().strip() == "Play"
    assert page.evaluate(
        "document.querySelector('.wall-slide.is-current video').paused"
    )
    assert serious_violations(page) == []


def test_reduced_motion_keeps_the_still_grid(live_server, two_entries, browser):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/en/gallery/?wall=1")
        page.wait_for_load_state("load")
        assert page.locator(".wall-slide:visible").count() == 2
        assert page.locator(".wall-slide.is-current").count() == 0
        assert page.locator("[data-wall-pause]").is_hidden()
    finally:
        context.close()
