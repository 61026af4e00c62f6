"""The "Add your TikTok" page: the code, the link, and the same gate as uploads."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry, TikTokClaim

from ..factories import make_participant

POST = "7300000000000000001"
LINK = f"https://www.tiktok.com/@kindkid/video/{POST}"
PAGE = reverse("challenge:tiktok_add")

pytestmark = pytest.mark.django_db


def _link_form(**overrides):
    data = {
        "step": "link",
        "link": LINK,
        "prompt": "moment",
        "language": "en",
        "accept_rules": "on",
        "accept_gallery": "on",
    }
    data.update(overrides)
    return data


def test_the_upload_page_offers_the_tiktok_way(campaign, participant_client):
    page = participant_client.get(reverse("challenge:submit")).content.decode()
    assert PAGE in page


def test_a_participant_gets_a_code_then_adds_their_post(
    campaign, participant_client, participant, fake_tiktok
):
    fake, _cdn = fake_tiktok
    response = participant_client.post(
        PAGE, {"step": "code", "tiktok_handle": "@kindkid"}
    )
    assert response.status_code == HTTPStatus.FOUND
    claim = TikTokClaim.objects.get(participant=participant)
    assert claim.handle == "kindkid"
    page = participant_client.get(PAGE).content.decode()
    assert claim.code in page
    fake.posts[POST].title = f"Kind! #CreateKindness {claim.code}"
    response = participant_client.post(PAGE, _link_form())
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("challenge:my_entries")
    entry = Entry.objects.get(participant=participant)
    assert entry.state == Entry.State.PENDING_REVIEW


def test_a_refusal_is_said_on_the_page(
    campaign, participant_client, participant, fake_tiktok
):
    fake, _cdn = fake_tiktok
    participant_client.post(PAGE, {"step": "code", "tiktok_handle": "kindkid"})
    fake.posts[POST].variant = "private"
    response = participant_client.post(PAGE, _link_form())
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "not public" in response.content.decode()
    assert not Entry.objects.exists()


def test_tiktok_down_says_try_later(campaign, participant_client, fake_tiktok):
    fake, _cdn = fake_tiktok
    participant_client.post(PAGE, {"step": "code", "tiktok_handle": "kindkid"})
    fake.stop()
    response = participant_client.post(PAGE, _link_form())
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "try again in a little while" in response.content.decode()


def test_html_in_a_field_never_reaches_the_page(
    campaign, participant_client, fake_tiktok
):
    fake, _cdn = fake_tiktok
    participant_client.post(PAGE, {"step": "code", "tiktok_handle": "kindkid"})
    fake.posts[POST].variant = "html_author"
    response = participant_client.post(PAGE, _link_form())
    assert b"<script>alert" not in response.content
    assert not Entry.objects.exists()


def test_a_child_is_asked_for_a_guardian(campaign, client, fake_tiktok):
    child = make_participant(age=13, country="FR")
    client.force_login(child.user)
    page = client.get(PAGE).content.decode()
    assert 'name="guardian_email"' in page
    client.post(PAGE, {"step": "code", "tiktok_handle": "kindkid"})
    response = client.post(PAGE, _link_form(guardian_email=child.user.email))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Entry.objects.exists()


def test_the_page_needs_a_profile(campaign, client):
    from ..factories import make_user

    client.force_login(make_user())
    response = client.get(PAGE)
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("challenge:profile") in response["Location"]


def test_a_closed_campaign_asks_nothing_of_tiktok(participant_client, fake_tiktok):
    fake, _cdn = fake_tiktok
    response = participant_client.post(
        PAGE, {"step": "code", "tiktok_handle": "kindkid"}
    )
    assert response.status_code == HTTPStatus.OK
    assert not TikTokClaim.objects.exists()
    assert fake.requests == []


def test_the_participant_removes_their_post_like_an_upload(
    campaign, client, fake_tiktok
):
    from .helpers import tiktok_entry

    entry = tiktok_entry(fake_tiktok[0])
    client.force_login(entry.participant.user)
    mine = client.get(reverse("challenge:my_entries")).content.decode()
    assert reverse("challenge:withdraw", args=[entry.pk]) in mine
    assert reverse("challenge:entry_poster", args=[entry.pk]) in mine
    poster = client.get(reverse("challenge:entry_poster", args=[entry.pk]))
    assert poster.status_code == HTTPStatus.OK
    client.post(reverse("challenge:withdraw", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.WITHDRAWN
    assert client.get(entry.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
