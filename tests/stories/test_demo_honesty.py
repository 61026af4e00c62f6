"""Demo episodes say they are demo material and put no words in real people's mouths."""

import json
import re
from http import HTTPStatus

import pytest

from stories import demo
from stories.demo_text import BEHIND, DEMO_CUE, EPISODES, SERIES
from stories.models import Episode
from stories.webvtt import parse_webvtt

LANGUAGES = ("en", "it", "fr", "de")
# First-person words, per language: none may appear in a demo text.
FIRST_PERSON = {
    "en": r"\b(I|I'm|I've|me|my|mine|myself)\b",
    "it": r"\b(io|mi|mio|mia|miei|mie|ho|sono stato|sono stata)\b",
    "fr": r"\b(je|moi|mon|ma|mes|me)\b|\b[jm]'",
    "de": r"\b(ich|mich|mir|mein|meine|meinen|meinem|meiner)\b",
}
QUOTES = '"“”«»„'


def demo_texts(language):
    for data in EPISODES:
        title, description, _tips = data[language]
        yield description
    yield DEMO_CUE[language]
    yield BEHIND[language]
    yield SERIES[f"description_{language}"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_demo_text_speaks_in_the_first_person_or_quotes(language):
    pattern = re.compile(FIRST_PERSON[language], re.IGNORECASE)
    for text in demo_texts(language):
        assert not pattern.search(text), text
        assert not any(mark in text for mark in QUOTES), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_description_names_its_creator_before_the_reveal(language):
    # The description is the synopsis and the caption over the clip; the series
    # names its creator at the end, in the last cue (BEHIND) and the reveal card.
    for data in EPISODES:
        handle = data["handle"]
        assert handle not in data[language][1]
        assert handle.lstrip("@") not in data[language][1]
        assert handle in BEHIND[language].format(handle=handle)


@pytest.fixture
def loaded(db, monkeypatch, django_capture_on_commit_callbacks):
    """The demo loader with its clip rendering stubbed out (texts only)."""
    monkeypatch.setattr(demo, "_needs_video", lambda episode, **kwargs: False)
    demo.load_stories()
    return Episode.objects.order_by("order")


def test_the_loader_marks_its_episodes_and_captions_as_demo(loaded):
    assert loaded.count() == len(EPISODES)
    for episode in loaded:
        assert episode.is_demo
        assert not episode.creator_quote
        for caption in episode.captions.all():
            cues = parse_webvtt(caption.text)
            said = " ".join(cue.plain_text.replace("\n", " ") for cue in cues)
            assert said.startswith(DEMO_CUE[caption.language])
            pattern = re.compile(FIRST_PERSON[caption.language], re.IGNORECASE)
            title = getattr(episode, f"title_{caption.language}")
            for cue in cues:
                # The real title ("I Want to Hold On To") is TikTok's, quoted as such.
                text = cue.plain_text.replace(title, "")
                assert not pattern.search(text), cue.plain_text


def test_running_the_loader_again_updates_demo_rows_and_spares_real_ones(loaded):
    Episode.objects.filter(slug="walk-away").update(synopsis_en="old text")
    real = Episode.objects.get(slug="power-of-words")
    real.is_demo = False
    real.synopsis_en = "The real episode, uploaded by staff."
    real.save()
    demo.load_stories()
    assert Episode.objects.count() == len(EPISODES)
    assert Episode.objects.get(slug="walk-away").synopsis_en.startswith(
        "In the original episode"
    )
    real.refresh_from_db()
    assert not real.is_demo
    assert real.synopsis_en == "The real episode, uploaded by staff."


def test_an_episode_made_by_staff_is_not_demo(make_episode):
    assert make_episode("staff-upload").is_demo is False


@pytest.mark.parametrize("language", LANGUAGES)
def test_demo_episode_page_shows_the_notice_and_the_captions_say_demo(
    client, loaded, language
):
    page = client.get(f"/{language}/stories/block-the-bullies/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "data-demo-notice" in html
    vtt = client.get(f"/{language}/stories/block-the-bullies/captions/{language}.vtt")
    assert vtt.status_code == HTTPStatus.OK
    cues = parse_webvtt(vtt.content.decode())
    said = " ".join(cue.plain_text.replace("\n", " ") for cue in cues)
    assert said.startswith(DEMO_CUE[language])


def test_real_episode_page_has_no_demo_notice(client, make_episode):
    make_episode("real-one")
    html = client.get("/en/stories/real-one/").content.decode()
    assert "data-demo-notice" not in html


def test_demo_structured_data_names_no_creator_and_says_demo(client, loaded):
    for episode in loaded:
        html = client.get(f"/en/stories/{episode.slug}/").content.decode()
        block = re.search(
            r'<script type="application/ld\+json">(.*?)</script>', html, re.S
        ).group(1)
        data = json.loads(block)
        assert "creator" not in data and "author" not in data
        assert data["publisher"]["@type"] == "Organization"
        assert episode.creator_handle not in json.dumps(data["publisher"])
        assert "demo placeholder" in data["description"].lower()


def test_demo_cards_carry_a_demo_badge(client, loaded):
    html = client.get("/en/stories/").content.decode()
    assert html.count('<span class="badge">Demo</span>') == len(EPISODES)


def test_the_toolkit_offers_no_demo_poster_as_campaign_material(
    client, make_episode, ready_video
):
    make_episode("block-the-bullies", video=ready_video, is_demo=True)
    html = client.get("/en/partners/toolkit/").content.decode()
    assert ready_video.poster_url not in html
    assert "block-the-bullies.webp" not in html
    assert "data-demo-notice" in html


def test_the_toolkit_offers_a_real_episodes_poster(client, make_episode, ready_video):
    make_episode("block-the-bullies", video=ready_video)
    html = client.get("/en/partners/toolkit/").content.decode()
    assert 'download="block-the-bullies.webp"' in html
    assert "data-demo-notice" not in html
