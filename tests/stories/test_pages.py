import json
import re
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from campaign.demo import load_campaign
from stories.models import Caption
from stories.webvtt import parse_webvtt

LANGUAGES = ["en", "it", "fr", "de"]


@pytest.fixture
def episode(make_episode, ready_video, add_captions):
    episode = make_episode("block-the-bullies", video=ready_video)
    add_captions(episode)
    return episode


def tracks(html):
    return re.findall(r"<track [^>]*>", html)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_episode_page_speaks_the_page_language(client, episode, lang):
    load_campaign()
    response = client.get(f"/{lang}/stories/block-the-bullies/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'<h1 id="episode-title">block-the-bullies {lang.upper()}</h1>' in html
    # Every language is offered; the page's language is on by default.
    found = tracks(html)
    assert len(found) == 4
    for track in found:
        assert 'kind="captions"' in track
        srclang = re.search(r'srclang="(\w+)"', track).group(1)
        assert (" default" in track) is (srclang == lang)
        assert (
            f'src="/{lang}/stories/block-the-bullies/captions/{srclang}.vtt"' in track
        )
    # The transcript is the page language's captions, cue by cue.
    transcript = html.split('class="transcript-cues"')[1].split("</ol>")[0]
    assert f'lang="{lang}"' in transcript
    caption = episode.captions.get(language=lang)
    assert transcript.count("<li>") == len(parse_webvtt(caption.text))
    assert f"Title {lang}" in transcript


def test_player_is_accessible_and_never_autoplays(client, episode):
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    video_tag = re.search(r"<video[^>]*>", html, re.S).group(0)
    assert "controls" in video_tag
    assert 'preload="metadata"' in video_tag
    assert "autoplay" not in video_tag
    assert f'poster="/v/{episode.video_id}/poster.webp"' in video_tag
    assert f'<source src="/v/{episode.video_id}/video.mp4" type="video/mp4">' in html
    assert 'id="creator-reveal"' in html and "@milkymichii" in html
    assert "<script>" not in html and 'style="' not in html


def test_episode_without_captions_in_the_page_language_falls_back_to_english(
    client, make_episode, ready_video, add_captions
):
    episode = make_episode(video=ready_video)
    add_captions(episode, languages=("en", "fr"))
    html = client.get("/de/stories/block-the-bullies/").content.decode()
    defaults = [t for t in tracks(html) if " default" in t]
    assert len(defaults) == 1 and 'srclang="en"' in defaults[0]


@pytest.mark.parametrize("prefix", ["/en", "/it"])
def test_captions_are_served_as_webvtt(client, episode, prefix):
    response = client.get(f"{prefix}/stories/block-the-bullies/captions/fr.vtt")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert response.content.decode().startswith("WEBVTT")
    assert "Sois gentil en ligne" in response.content.decode()


def test_missing_captions_language_is_not_found(client, episode):
    Caption.objects.filter(language="de").delete()
    for language in ("de", "es"):
        response = client.get(f"/en/stories/block-the-bullies/captions/{language}.vtt")
        assert response.status_code == HTTPStatus.NOT_FOUND


def test_share_links_and_card_tags_use_absolute_urls(client, episode):
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    # Absolute links come from SITE_URL, never from the request's Host.
    site = settings.SITE_URL
    page = f"{site}/en/stories/block-the-bullies/"
    assert f'<meta property="og:url" content="{page}">' in html
    card = re.search(r'<meta property="og:image" content="([^"]+)">', html)[1]
    assert re.fullmatch(
        rf"{re.escape(site)}/en/cards/episode/block-the-bullies/[0-9a-f]{{16}}\.jpg",
        card,
    )
    assert f'<meta name="twitter:image" content="{card}">' in html
    # The title alone: the episode reveals its creator at its end.
    assert f'<meta property="og:title" content="{episode.title}">' in html
    assert f'<meta name="twitter:title" content="{episode.title}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    encoded = quote(site, safe="")
    assert f"https://twitter.com/intent/tweet?url={encoded}%2Fen%2Fstories" in html
    assert f"https://www.facebook.com/sharer/sharer.php?u={encoded}" in html
    assert "testserver" not in html
    assert "https://wa.me/?text=" in html
    assert "mailto:?subject=" in html
    assert "data-share-copy" in html
    # Plain links only: no third-party script on the page.
    assert not re.search(r"<script[^>]+src=\"https?://", html)


def test_video_object_structured_data(client, episode):
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    block = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    ).group(1)
    data = json.loads(block)
    assert data["@type"] == "VideoObject"
    assert data["name"] == "block-the-bullies EN"
    site = settings.SITE_URL
    assert data["thumbnailUrl"] == [f"{site}/v/{episode.video_id}/poster.webp"]
    assert data["contentUrl"] == f"{site}/v/{episode.video_id}/video.mp4"
    assert data["duration"] == "PT2S"
    assert data["creator"]["alternateName"] == "@milkymichii"  # a real episode
    assert data["publisher"]["name"] == settings.SITE_NAME
    assert data["uploadDate"].startswith(str(episode.publish_at.date()))


def test_structured_data_cannot_close_its_script_block(client, make_episode):
    make_episode("tricky", title_en="</script><script>alert(1)</script>")
    html = client.get("/en/stories/tricky/").content.decode()
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("lang", "header", "country", "helpline"),
    [
        ("fr", "fr-FR,fr;q=0.9", "France", "3018"),
        ("de", "de-DE,de;q=0.9", "Deutschland", "Nummer gegen Kummer"),
    ],
)
def test_episode_page_shows_the_visitors_helplines(
    client, episode, lang, header, country, helpline
):
    load_campaign()
    html = client.get(
        f"/{lang}/stories/block-the-bullies/", HTTP_ACCEPT_LANGUAGE=header
    ).content.decode()
    box = html.split('class="card helpline-box"')[1].split("</section>")[0]
    assert country in box and helpline in box


def test_previous_and_next_follow_the_series_order(client, make_episode):
    make_episode("one", order=1)
    make_episode("two", order=2)
    make_episode("three", order=3)
    make_episode("later", order=4, days_ago=-3)
    html = client.get("/en/stories/two/").content.decode()
    assert 'href="/en/stories/one/" rel="prev"' in html
    assert 'href="/en/stories/three/" rel="next"' in html
    last = client.get("/en/stories/three/").content.decode()
    assert 'rel="next"' not in last


def test_list_shows_published_episodes_in_order_with_poster_and_duration(
    client, make_episode, ready_video
):
    make_episode("second", order=2)
    make_episode("first", order=1, video=ready_video)
    make_episode("coming", order=3, days_ago=-1)
    html = client.get("/en/stories/").content.decode()
    assert html.index("first EN") < html.index("second EN")
    assert "coming EN" not in html
    assert f'src="/v/{ready_video.pk}/poster.webp"' in html
    assert "0:02" in html
    assert "@TikTokTips" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_list_and_home_rail_in_every_language(client, make_episode, lang):
    load_campaign()
    make_episode("first")
    make_episode("coming", order=1, days_ago=-1)
    for url in (f"/{lang}/stories/", f"/{lang}/"):
        html = client.get(url).content.decode()
        assert f"first {lang.upper()}" in html
        assert "coming" not in html


def test_future_episode_is_not_found_but_staff_can_preview(client, make_episode):
    make_episode("coming", days_ago=-1)
    make_episode("draft", order=1, days_ago=None)
    for slug in ("coming", "draft"):
        assert client.get(f"/en/stories/{slug}/").status_code == HTTPStatus.NOT_FOUND
    staff = get_user_model().objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get("/en/stories/coming/")
    assert response.status_code == HTTPStatus.OK
    assert "Preview" in response.content.decode()


def test_video_of_a_future_episode_is_not_served(client, make_episode, ready_video):
    make_episode("coming", days_ago=-1, video=ready_video)
    for path in ("video.mp4", "poster.webp"):
        response = client.get(f"/v/{ready_video.pk}/{path}")
        assert response.status_code == HTTPStatus.NOT_FOUND
    ready_video.episode.publish_at = ready_video.episode.publish_at.replace(year=2000)
    ready_video.episode.save()
    assert client.get(f"/v/{ready_video.pk}/video.mp4").status_code == HTTPStatus.OK


def test_episode_without_a_ready_video_says_so(client, make_episode):
    make_episode("waiting")
    html = client.get("/en/stories/waiting/").content.decode()
    assert "<video" not in html
    assert "being prepared" in html


def test_captions_of_a_preview_are_staff_only_and_never_cached(
    client, make_episode, add_captions
):
    episode = make_episode("coming", days_ago=-1)
    add_captions(episode, languages=("en",))
    url = "/en/stories/coming/captions/en.vtt"
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    staff = get_user_model().objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, no-store"


def test_the_reveal_names_the_creator_once_and_links_their_profile(client, episode):
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    reveal = html.split('id="creator-reveal"', 1)[1].split("</section>", 1)[0]
    assert 'href="https://www.tiktok.com/@milkymichii"' in reveal
    assert 'rel="noopener external"' in reveal
    # The handle once (and in the profile link), no bare display name beside it.
    assert reveal.count("@milkymichii") == 2
    assert reveal.count("milkymichii") == 2
    assert "data-reveal-replay" in reveal and "hidden" in reveal


@pytest.mark.parametrize(
    ("handle", "url"),
    [
        ("@milkymichii", "https://www.tiktok.com/@milkymichii"),
        ("@some.one_2", "https://www.tiktok.com/@some.one_2"),
        ("milkymichii", ""),
        ("@evil/../x", ""),
        ('@a"onclick', ""),
    ],
)
def test_a_profile_link_is_made_only_from_a_real_handle(handle, url):
    from stories.models import Episode

    assert Episode(creator_handle=handle).creator_profile_url == url


@pytest.mark.parametrize("is_demo", [False, True])
def test_the_page_names_the_creator_only_in_the_folded_reveal(
    client, make_episode, ready_video, add_captions, is_demo
):
    """Title, card tags, the meta line and the demo notice keep the secret; the
    reveal card (folded), the transcript (folded, the video's text alternative, its
    last cue is the credit) and a real episode's structured data name them."""
    episode = make_episode("block-the-bullies", video=ready_video, is_demo=is_demo)
    add_captions(episode)
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    folded = re.findall(r"<details\b.*?</details>", html, re.S)
    assert any("milkymichii" in block for block in folded)
    rest = re.sub(r"<details\b.*?</details>", "", html, flags=re.S)
    rest = re.sub(r'<script type="application/ld\+json">.*?</script>', "", rest)
    assert "milkymichii" not in rest
    assert ("data-demo-notice" in rest) is is_demo
