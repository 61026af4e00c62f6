"""Staff's row of the series' own TikTok posts: only the listed accounts, shown with
their handle, never as a participant's entry."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from challenge.models import CuratedTikTok, Entry
from challenge.services import tiktok as services
from tests.tiktok_server import FakePost
from videos.models import Video

from ..factories import make_participant, make_user

POST = "7300000000000000077"
LINK = f"https://www.tiktok.com/@recokh/video/{POST}"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def creator_post(fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST] = FakePost(handle="recokh", title="Why Would You… #CreateKindness")
    return fake


def test_a_moderator_adds_a_creators_post(creator_post, campaign, client):
    curated = services.curated_tiktok_add(link=LINK, actor=make_user(moderator=True))
    assert (curated.handle, curated.post_id) == ("recokh", POST)
    assert curated.video.plays_elsewhere
    page = client.get(reverse("gallery:list")).content.decode()
    assert "@recokh" in page
    assert f"https://www.tiktok.com/player/v1/{POST}" in page
    assert "<iframe" not in page
    assert client.get(curated.video.poster_url).status_code == HTTPStatus.OK
    assert not Entry.objects.exists()


def test_a_participants_post_cannot_be_curated(fake_tiktok):
    with pytest.raises(services.TikTokNotCurated):
        services.curated_tiktok_add(
            link="https://www.tiktok.com/@kindkid/video/7300000000000000001",
            actor=make_user(moderator=True),
        )
    assert not Video.objects.exists()


def test_a_link_with_a_creators_handle_but_anothers_post_is_refused(fake_tiktok):
    """The handle in the link means nothing: TikTok's author_url decides."""
    with pytest.raises(services.TikTokNotCurated):
        services.curated_tiktok_add(
            link="https://www.tiktok.com/@recokh/video/7300000000000000001",
            actor=make_user(moderator=True),
        )


def test_only_moderators_curate(creator_post):
    participant = make_participant()
    with pytest.raises(PermissionDenied):
        services.curated_tiktok_add(link=LINK, actor=participant.user)
    assert creator_post.requests == []


def test_a_hidden_post_is_not_shown_and_its_poster_not_served(creator_post, client):
    curated = services.curated_tiktok_add(link=LINK, actor=make_user(moderator=True))
    CuratedTikTok.objects.filter(pk=curated.pk).update(is_shown=False)
    assert "@recokh" not in client.get(reverse("gallery:list")).content.decode()
    assert client.get(curated.video.poster_url).status_code == HTTPStatus.NOT_FOUND


def test_removing_deletes_the_poster(creator_post, django_capture_on_commit_callbacks):
    moderator = make_user(moderator=True)
    curated = services.curated_tiktok_add(link=LINK, actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        services.curated_tiktok_remove(curated_id=curated.pk, actor=moderator)
    assert not CuratedTikTok.objects.exists()
    assert Video.objects.get(pk=curated.video_id).status == Video.Status.DELETED


def test_a_deleted_creator_post_stops_being_shown(creator_post):
    curated = services.curated_tiktok_add(link=LINK, actor=make_user(moderator=True))
    CuratedTikTok.objects.filter(pk=curated.pk).update(
        next_check_at=timezone.now() - dt.timedelta(minutes=1)
    )
    creator_post.posts[POST].variant = "not_found"
    assert services.curated_tiktok_recheck_due() == {services.GONE: 1}
    assert not CuratedTikTok.objects.get(pk=curated.pk).is_shown


def test_the_admin_adds_from_a_link(creator_post, client):
    client.force_login(make_user(moderator=True))
    url = reverse("admin:challenge_curatedtiktok_add")
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {"link": LINK, "position": 1})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[-2000:]
    assert CuratedTikTok.objects.get().position == 1
    refused = client.post(
        url,
        {
            "link": "https://www.tiktok.com/@kindkid/video/7300000000000000001",
            "position": 0,
        },
    )
    assert "Only posts of the campaign" in refused.content.decode()
