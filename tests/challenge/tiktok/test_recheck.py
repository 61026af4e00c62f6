"""Kept current: approved TikTok posts are asked about again once a day."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from challenge.models import Entry, TikTokPost
from challenge.services import tiktok as services
from challenge.tasks import tiktok_recheck
from videos.models import Video

from .helpers import POST, tiktok_entry

pytestmark = pytest.mark.django_db


def _due(entry):
    TikTokPost.objects.filter(entry=entry).update(
        next_check_at=timezone.now() - dt.timedelta(minutes=1)
    )


def test_a_post_is_not_asked_about_before_its_time(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    tiktok_entry(fake)
    fake.requests.clear()
    assert services.tiktok_recheck_due() == {}
    assert fake.requests == []


def test_a_post_still_there_stays_and_is_due_again_tomorrow(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake)
    _due(entry)
    assert tiktok_recheck() == {"ok": 1, "curated": {}}
    row = TikTokPost.objects.get(entry=entry)
    assert row.next_check_at > timezone.now() + dt.timedelta(hours=23)
    entry.refresh_from_db()
    assert entry.state == Entry.State.APPROVED


def test_the_checks_are_spread_over_time(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    times = set()
    for number in range(5):
        entry = tiktok_entry(fake, post_id=f"73000000000000001{number}")
        times.add(
            TikTokPost.objects.get(entry=entry).next_check_at.replace(microsecond=0)
        )
    assert len(times) > 1


def test_a_deleted_post_leaves_and_its_poster_goes(
    campaign, fake_tiktok, django_capture_on_commit_callbacks
):
    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake)
    _due(entry)
    fake.posts[POST].variant = "not_found"
    cache.set("gallery:generation", 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tiktok_recheck_due() == {services.GONE: 1}
    entry.refresh_from_db()
    assert entry.state == Entry.State.WITHDRAWN
    assert entry.events.last().reason == services.GONE
    assert Video.objects.get(pk=entry.video_id).status == Video.Status.DELETED
    assert cache.get("gallery:generation") == 2


@pytest.mark.parametrize(
    ("variant", "title", "reason"),
    [
        ("private", None, services.PRIVATE),
        ("ok", "Just a video now", services.HASHTAG_LOST),
    ],
)
def test_a_private_post_or_a_lost_hashtag_is_hidden(
    variant, title, reason, campaign, fake_tiktok
):
    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake)
    _due(entry)
    fake.posts[POST].variant = variant
    if title:
        fake.posts[POST].title = title
    assert services.tiktok_recheck_due() == {reason: 1}
    entry.refresh_from_db()
    assert entry.state == Entry.State.HIDDEN
    assert TikTokPost.objects.get(entry=entry).last_problem == reason


def test_the_code_taken_out_of_the_description_is_fine(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake)
    _due(entry)
    fake.posts[POST].title = "Kind words #CreateKindness"
    assert services.tiktok_recheck_due() == {"ok": 1}


def test_tiktok_down_changes_nothing_and_stops_the_round(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    first = tiktok_entry(fake)
    second = tiktok_entry(fake, post_id="7300000000000000002")
    _due(first)
    _due(second)
    fake.posts[POST].variant = "server_error"
    fake.posts["7300000000000000002"].variant = "server_error"
    assert services.tiktok_recheck_due() == {"later": 1}
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.state == Entry.State.APPROVED
    later = TikTokPost.objects.filter(
        next_check_at__gt=timezone.now() + dt.timedelta(minutes=50)
    )
    assert later.count() == 1


def test_only_approved_posts_are_rechecked(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake, approve=False)
    _due(entry)
    fake.requests.clear()
    assert services.tiktok_recheck_due() == {}
    assert fake.requests == []


def test_the_participant_reads_why_their_post_left(campaign, client, fake_tiktok):
    from django.urls import reverse

    fake, _cdn = fake_tiktok
    entry = tiktok_entry(fake)
    _due(entry)
    fake.posts[POST].variant = "private"
    services.tiktok_recheck_due()
    client.force_login(entry.participant.user)
    page = client.get(reverse("challenge:my_entries")).content.decode()
    assert "no longer public on TikTok" in page
