import datetime as dt

import pytest
from django.utils import timezone

from stories.models import Episode
from stories.selectors import episodes_published, video_is_public_episode
from videos.models import Video
from videos.owners import video_is_public


@pytest.mark.parametrize(
    ("publish_at", "published"),
    [
        (None, False),
        (dt.timedelta(minutes=-1), True),
        (dt.timedelta(0), True),
        (dt.timedelta(minutes=1), False),
    ],
)
def test_episode_is_public_from_its_publish_date(publish_at, published):
    now = timezone.now()
    episode = Episode(publish_at=None if publish_at is None else now + publish_at)
    assert episode.is_published(now=now) is published


def test_tips_are_one_per_line_without_bullets():
    episode = Episode(tips="- Block and report.\n\n• Tell a friend.\n  Breathe  ")
    assert episode.tips_list == ["Block and report.", "Tell a friend.", "Breathe"]


def test_poster_and_duration_appear_only_once_the_video_is_ready(
    make_episode, ready_video
):
    pending = Video.objects.create(original_name="later.mp4")
    waiting = make_episode("waiting", video=pending)
    assert (waiting.poster_url, waiting.video_url, waiting.duration) == ("", "", None)

    ready = make_episode("ready", order=1, video=ready_video)
    assert ready.poster_url == f"/v/{ready_video.pk}/poster.webp"
    assert ready.video_url == f"/v/{ready_video.pk}/video.mp4"
    assert ready.duration == pytest.approx(2, abs=0.3)


def test_published_episodes_come_in_series_order(make_episode):
    make_episode("third", order=3)
    make_episode("first", order=1)
    make_episode("draft", order=2, days_ago=None)
    make_episode("future", order=0, days_ago=-1)
    assert [e.slug for e in episodes_published()] == ["first", "third"]


def test_video_owner_hook_follows_the_publish_date(make_episode, db):
    published = Video.objects.create()
    future = Video.objects.create()
    stray = Video.objects.create()
    make_episode("published", video=published)
    make_episode("future", order=1, days_ago=-2, video=future)
    assert video_is_public_episode(published) is True
    assert video_is_public_episode(future) is False
    assert video_is_public_episode(stray) is None
    assert video_is_public(published) is True
    assert video_is_public(future) is False


def test_deleting_a_video_keeps_the_episode(make_episode, db):
    video = Video.objects.create()
    episode = make_episode(video=video)
    video.delete()
    episode.refresh_from_db()
    assert episode.video is None


def test_episode_numbers_count_the_published_episodes_of_each_series(
    make_episode, series
):
    from stories.models import Series
    from stories.selectors import episode_place, episodes_numbered

    make_episode("third", order=30)
    make_episode("first", order=10)
    draft = make_episode("draft", order=20, days_ago=None)
    other = Series.objects.create(slug="other", title_en="Other", order=1)
    Episode.objects.create(
        series=other,
        slug="other-one",
        title_en="Other one",
        publish_at=timezone.now() - dt.timedelta(days=1),
        creator_handle="@recokh",
        creator_name="recokh",
        situation=Episode.Situation.UNSEEN,
    )

    numbers = [(e.slug, e.number) for e in episodes_numbered()]
    # A draft (or an episode not out yet) takes no number: no gap in 1, 2…
    assert numbers == [("first", 1), ("third", 2), ("other-one", 1)]
    place = episode_place(Episode.objects.get(slug="third"))
    assert (place.number, place.total, place.previous.slug, place.next) == (
        2,
        2,
        "first",
        None,
    )
    # A member of staff previewing the draft sees no number for it.
    assert episode_place(draft).number is None


def test_the_episode_page_says_which_episode_of_how_many(make_episode, client, series):
    make_episode("first", order=1)
    make_episode("second", order=2)
    page = client.get("/en/stories/second/").content.decode()
    assert "Episode 2 of 2" in page
    french = client.get("/fr/stories/second/").content.decode()
    assert "Épisode 2 sur 2" in french
