"""An approved TikTok entry in the gallery: a "From TikTok" card, its poster through
the checked media view, and nothing of TikTok's in the page until play is pressed."""

import re
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse

from challenge.models import Entry

from .helpers import POST, tiktok_entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _tiktok_urls(html: str) -> list[str]:
    """Every place the page itself would load something from (src, href of link
    and script tags) that points at TikTok."""
    loaded = re.findall(
        r'<(?:script|img|iframe|link|video|source)[^>]*(?:src|href)="([^"]+)"', html
    )
    return [url for url in loaded if re.match(r"(https?:)?//[^/]*tiktok", url)]


def test_an_approved_post_is_a_from_tiktok_card(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0])
    page = client.get(reverse("gallery:list")).content.decode()
    assert entry.get_absolute_url() in page
    assert "From TikTok" in page
    assert _tiktok_urls(page) == []


def test_a_pending_post_is_not_public(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0], approve=False)
    assert entry.state == Entry.State.PENDING_REVIEW
    assert client.get(entry.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    poster = client.get(entry.video.poster_url)
    assert poster.status_code == HTTPStatus.NOT_FOUND


def test_the_entry_page_loads_nothing_from_tiktok(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0])
    response = client.get(entry.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert _tiktok_urls(page) == []
    assert "<iframe" not in page
    assert "embed.js" not in page
    assert f'data-player-src="https://www.tiktok.com/player/v1/{POST}?' in page
    assert "TikTok may set its cookies" in page
    assert f'href="https://www.tiktok.com/@kindkid/video/{POST}"' in page


def test_the_poster_comes_from_our_media_view(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0])
    entry.refresh_from_db()
    response = client.get(entry.video.poster_url)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/webp"
    assert client.get(reverse("videos:video", args=[entry.video_id])).status_code == (
        HTTPStatus.NOT_FOUND
    )


def test_csp_allows_tiktoks_player_as_a_frame_and_nothing_else(
    campaign, client, fake_tiktok
):
    entry = tiktok_entry(fake_tiktok[0])
    policy = client.get(entry.get_absolute_url())["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in policy.split(";")
        if part.strip()
    )
    assert "https://www.tiktok.com" in directives["frame-src"].split()
    others = {name: value for name, value in directives.items() if name != "frame-src"}
    assert not any("tiktok" in value for value in others.values())


def test_a_withdrawn_post_leaves_the_gallery(campaign, client, fake_tiktok, committed):
    from challenge.services.submission import entry_withdraw

    entry = tiktok_entry(fake_tiktok[0])
    with committed():
        entry_withdraw(entry=entry, actor=entry.participant.user)
    assert client.get(entry.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert (
        entry.get_absolute_url()
        not in client.get(reverse("gallery:list")).content.decode()
    )


def test_the_feed_and_the_widget_show_its_poster(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0])
    entry.refresh_from_db()
    feed = client.get(reverse("gallery:feed")).content.decode()
    assert entry.video.poster_url in feed
    embed = client.get(reverse("gallery:embed")).content.decode()
    assert entry.video.poster_url in embed
    assert _tiktok_urls(embed) == []


def test_the_desk_offers_the_player_on_a_press(campaign, client, fake_tiktok):
    from ..factories import make_user

    entry = tiktok_entry(fake_tiktok[0], approve=False)
    moderator = make_user(moderator=True)
    client.force_login(moderator)
    response = client.get(reverse("admin:challenge_entry_desk"), follow=True)
    page = response.content.decode()
    assert f"Entry {entry.pk}" in page
    assert f"https://www.tiktok.com/player/v1/{POST}" in page
    assert "<iframe" not in page


def test_a_minors_tiktok_account_is_never_printed_beside_their_entry(
    campaign, client, fake_tiktok
):
    """An under-18's entry page keeps their TikTok account apart from their handle
    here: no @account in the link, the title or anywhere in the page; the player
    still loads on a press (what it shows is TikTok's public page of the post)."""
    from tests.challenge.factories import make_participant

    child = make_participant(age=16, country="IE", handle="quiet_kid")
    entry = tiktok_entry(fake_tiktok[0], participant=child, handle="realname_2010")
    Entry.objects.filter(pk=entry.pk).update(is_minor=True)
    cache.clear()
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "quiet_kid" in page
    assert "realname_2010" not in page
    assert "Watch it on TikTok" not in page
    assert f'data-player-src="https://www.tiktok.com/player/v1/{POST}?' in page
    # An adult's keeps the link to their post.
    adult = tiktok_entry(
        fake_tiktok[0], post_id="7300000000000000002", handle="grownup"
    )
    assert "@grownup/video/" in client.get(adult.get_absolute_url()).content.decode()
