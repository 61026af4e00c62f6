"""A TikTok entry in "my data", account deletion, the guardian's page and the admin."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry, GuardianConsent, TikTokClaim, TikTokPost
from challenge.services.privacy import account_delete, participant_data
from videos.models import Video, private_storage

from ..factories import make_participant, make_user
from .helpers import POST, tiktok_entry

pytestmark = pytest.mark.django_db


def test_my_data_names_the_post_and_the_codes(campaign, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0])
    data = participant_data(user=entry.participant.user)
    (exported,) = data["entries"]
    assert exported["tiktok_post"] == {
        "link": f"https://www.tiktok.com/@kindkid/video/{POST}",
        "account": "kindkid",
    }
    assert exported["video_file"] is None
    (code,) = data["tiktok_codes"]
    assert code["tiktok_account"] == "kindkid" and code["used"]


def test_deleting_the_account_deletes_the_poster_and_the_codes(
    campaign, fake_tiktok, django_capture_on_commit_callbacks
):
    entry = tiktok_entry(fake_tiktok[0])
    name = entry.video.poster.name
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=entry.participant.user)
    assert not private_storage().exists(name)
    assert Video.objects.get(pk=entry.video_id).status == Video.Status.DELETED
    assert not Entry.objects.exists()
    assert not TikTokPost.objects.exists() and not TikTokClaim.objects.exists()


def test_the_guardian_sees_the_post_on_a_press(campaign, client, fake_tiktok):
    from challenge.services.guardian import guardian_link

    child = make_participant(age=13, country="FR")
    from challenge.services import tiktok as services
    from tests.tiktok_server import FakePost

    claim = services.tiktok_claim_start(participant=child, handle="kindkid")
    fake_tiktok[0].posts[POST] = FakePost(title=f"Hi #CreateKindness {claim.code}")
    entry = services.entry_tiktok_add(
        participant=child,
        link=f"https://www.tiktok.com/@kindkid/video/{POST}",
        prompt="words",
        language="en",
        guardian_email="parent@example.org",
    )
    consent = GuardianConsent.objects.get(entry=entry)
    page = client.get(guardian_link(consent)).content.decode()
    assert f"https://www.tiktok.com/player/v1/{POST}" in page
    assert "<iframe" not in page
    assert "still being processed" not in page


def test_the_review_page_opens(campaign, client, fake_tiktok):
    entry = tiktok_entry(fake_tiktok[0], approve=False)
    client.force_login(make_user(moderator=True))
    url = reverse("admin:challenge_entry_change", args=[entry.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert f"https://www.tiktok.com/player/v1/{POST}" in page
    assert "<iframe" not in page and "tiktok.js" in page
