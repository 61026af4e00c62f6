"""The upload page's words in Chromium: the caption counter never shows a negative
number (it says how many characters are too many), and a file the browser names as
something else than a video is refused before anything is sent."""

import re

import pytest

from tests.e2e.test_resumable_upload import fill, page_errors, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def participant_page(transactional_db, live_server, new_page, settings):
    from campaign.demo import load_campaign
    from tests.challenge.factories import make_participant

    settings.CHALLENGE_CAPTION_MAX = 300
    load_campaign()
    page = signed_in(new_page, live_server, make_participant(handle="counter_kid"))
    errors = page_errors(page)
    page.goto(f"{live_server.url}/en/challenge/submit/")
    yield page
    assert errors == []


def test_the_caption_counter_says_how_many_too_many_never_a_negative_number(
    participant_page,
):
    page = participant_page
    counter = page.locator("[data-caption-counter]")
    caption = page.locator("textarea[name='caption']")
    caption.fill("k" * 299)
    assert counter.inner_text() == "1 character left"
    caption.fill("k" * 301)
    assert counter.inner_text() == "1 character too many"
    caption.fill("k" * 303)
    assert counter.inner_text() == "3 characters too many"
    assert "-" not in counter.inner_text()
    assert "is-over" in counter.get_attribute("class")
    caption.fill("k" * 300)
    assert counter.inner_text() == "0 characters left"


@pytest.mark.parametrize(
    "name, kind, words",
    [
        ("me.png", "image/png", "This is a photo or a picture, not a video."),
        ("song.mp3", "audio/mpeg", "This is a sound recording, not a video."),
        ("homework.pdf", "application/pdf", "This file is not a video."),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_before_it_is_sent(
    participant_page, name, kind, words
):
    page = participant_page
    sent = []
    page.on(
        "request",
        lambda request: sent.append(request.url) if request.method != "GET" else None,
    )
    page.set_input_files(
        "input[name='video']",
        files=[{"name": name, "mimeType": kind, "buffer": b"\x89PNG not a clip" * 64}],
    )
    problem = page.locator("[data-preview-problem]")
    problem.wait_for(state="visible")
    assert problem.inner_text().startswith(words)
    assert page.locator("[data-preview-video]").is_hidden()
    fill(page)
    page.click("[data-submit-button]")
    video_errors = page.locator("[data-errors-for='video']")
    video_errors.wait_for(state="visible")
    assert words in video_errors.inner_text()
    assert "missing" not in page.locator("[data-form-errors]").inner_text()
    assert not [url for url in sent if re.search(r"/submit/(uploads/)?$", url)]


def test_a_file_of_no_known_type_goes_to_the_server_to_be_read(participant_page):
    page = participant_page
    page.set_input_files(
        "input[name='video']",
        files=[{"name": "clip", "mimeType": "", "buffer": b"\x00" * 512}],
    )
    page.locator("[data-preview]").wait_for(state="visible")
    assert page.locator("[data-preview-problem]").is_hidden()
