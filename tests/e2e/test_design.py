"""The design pass in a real browser: the upload page's large target and inline
nudge, the story rail's arrows, the hero's posters and the episode numbers."""

import datetime as dt

import pytest

from tests.e2e.test_accessibility import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def more_episodes(site_content):
    """Five more published episodes beside the fixture's first, without videos."""
    from django.utils import timezone

    from stories.models import Episode

    first = site_content["episode"]
    for number in range(2, 7):
        Episode.objects.create(
            series=first.series,
            slug=f"episode-{number}",
            order=number,
            publish_at=timezone.now() - dt.timedelta(hours=number),
            creator_handle=f"@creator{number}",
            creator_name=f"creator{number}",
            situation=Episode.Situation.UNSEEN,
            title_en=f"Episode title {number}",
        )
    return site_content


def test_upload_page_names_the_chosen_file_and_nudges_while_typing(
    live_server, site_content, new_page, e2e_clip
):
    from challenge.models import WatchedWord
    from tests.challenge.factories import PASSWORD, make_participant

    # The seeded list is gone once an earlier browser test has flushed the database.
    WatchedWord.objects.get_or_create(phrase="idiot", language="en")
    participant = make_participant()
    page = new_page("phone")
    log_in(page, live_server.url, participant.user.email, PASSWORD)
    page.goto(f"{live_server.url}/en/challenge/submit/")

    target = page.locator("[data-drop-target]")
    box = target.bounding_box()
    assert box["height"] >= 150 and box["width"] >= 300, "a large target on a phone"
    # The rules in two lines, above the form, with the link to all of them.
    assert page.locator(".rules-short p").count() == 2
    assert page.locator(".rules-short a[href$='/challenge/rules/']").count() == 1

    page.set_input_files("input[type=file]", str(e2e_clip))
    page.wait_for_selector("[data-drop-target].has-file")
    assert "kind.mp4" in target.inner_text()
    page.wait_for_selector("[data-preview]:not([hidden])")

    nudge = page.locator("[data-caption-nudge]")
    page.fill("textarea[name=caption]", "honestly you are an 1d10t")
    page.wait_for_selector("[data-caption-nudge]:not([hidden])")
    assert "idiot" in nudge.inner_text()
    assert nudge.get_attribute("role") == "status"
    page.fill("textarea[name=caption]", "honestly you are a star")
    page.wait_for_selector("[data-caption-nudge][hidden]", state="attached")
    # Typing quickly asks once per pause, not once per key.
    asked = []
    page.on(
        "request",
        lambda request: asked.append(1) if "caption-check" in request.url else None,
    )
    page.locator("textarea[name=caption]").press_sequentially(" and kind", delay=40)
    page.wait_for_timeout(1500)
    assert len(asked) == 1


def test_the_story_rail_has_arrows_with_a_mouse_and_none_on_a_phone(
    live_server, more_episodes, new_page
):
    desktop = new_page("desktop")
    desktop.goto(f"{live_server.url}/en/")
    arrows = desktop.locator("[data-rail-arrows]")
    arrows.wait_for(state="visible")
    previous = desktop.locator("[data-rail-previous]")
    following = desktop.locator("[data-rail-next]")
    assert previous.is_disabled() and following.is_enabled()
    rail = desktop.locator("#story-rail")
    following.click()
    desktop.wait_for_function(
        "() => document.getElementById('story-rail').scrollLeft > 100"
    )
    desktop.wait_for_function(
        "() => document.querySelector('[data-rail-next]').disabled"
    )
    assert previous.is_enabled()
    assert rail.evaluate("r => r.scrollLeft + r.clientWidth >= r.scrollWidth - 1")

    phone = new_page("phone")
    phone.goto(f"{live_server.url}/en/")
    assert phone.locator("[data-rail-arrows]").is_hidden()


def test_cards_in_a_row_share_one_height_and_carry_their_number(
    live_server, more_episodes, new_page
):
    from stories.models import Episode

    # A long title takes more lines than its neighbours' short ones.
    Episode.objects.filter(slug="episode-2").update(
        title_en="A much longer title for this episode, that wraps over lines"
    )
    page = new_page("desktop")
    page.goto(f"{live_server.url}/en/stories/")
    cards = page.locator(".episode-grid > li > .card")
    heights = {round(card.bounding_box()["height"]) for card in cards.all()[:4]}
    assert len(heights) == 1, heights
    numbers = page.locator(".episode-grid .episode-number").all_inner_texts()
    assert [n.casefold() for n in numbers] == [f"episode {n}" for n in range(1, 7)]


def test_the_hero_shows_the_series_posters_on_a_wide_screen_only(
    live_server, site_content, new_page
):
    desktop = new_page("desktop")
    desktop.goto(f"{live_server.url}/en/")
    tile = desktop.locator(".hero-mosaic img").first
    tile.wait_for(state="visible")
    desktop.wait_for_function(
        "() => document.querySelector('.hero-mosaic img').naturalWidth > 0"
    )
    phone = new_page("phone")
    phone.goto(f"{live_server.url}/en/")
    assert phone.locator(".hero-mosaic").is_hidden()
