import io
from http import HTTPStatus

import pytest
from django.core.management import call_command

from stories.models import Episode
from stories.selectors import episode_views, story_views_total
from stories.services import story_views_flush
from stories.tasks import flush_story_views


@pytest.fixture
def buffered(settings):
    settings.STORY_VIEWS_BUFFERED = True


def play(client, slug="block-the-bullies"):
    return client.post(f"/en/stories/{slug}/play")


def test_a_play_is_counted_without_cookies_and_without_a_database_write(
    client, make_episode, buffered, django_assert_max_num_queries
):
    episode = make_episode()
    with django_assert_max_num_queries(1):  # the lookup of the published episode
        response = play(client)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not response.cookies
    episode.refresh_from_db()
    assert episode.views == 0
    assert episode_views(episode) == 1
    assert story_views_total() == 1


def test_flush_moves_buffered_plays_to_the_database(client, make_episode, buffered):
    first = make_episode()
    second = make_episode("walk-away", order=1)
    for _ in range(3):
        play(client)
    play(client, "walk-away")
    assert story_views_flush() == 4
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.views, second.views) == (3, 1)
    # Nothing is counted twice: the cache is empty now, the total unchanged.
    assert story_views_flush() == 0
    assert story_views_total() == 4
    play(client)
    flush_story_views.delay()
    play(client)
    out = io.StringIO()
    call_command("flush_story_views", stdout=out)
    assert "1 play(s)" in out.getvalue()
    first.refresh_from_db()
    assert first.views == 5
    assert story_views_total() == 6


def test_plays_counted_during_a_flush_are_kept(make_episode, buffered, monkeypatch):
    from stories import services

    episode = make_episode()
    services.story_view_record(episode=episode)
    original = services.pending_views

    def read_then_play(ids):
        found = original(ids)
        services.story_view_record(episode=episode)  # arrives mid-flush
        return found

    monkeypatch.setattr(services, "pending_views", read_then_play)
    assert services.story_views_flush() == 1
    episode.refresh_from_db()
    assert episode.views == 1
    assert episode_views(episode) == 2


def test_without_a_shared_cache_plays_go_straight_to_the_row(
    client, make_episode, settings
):
    settings.STORY_VIEWS_BUFFERED = False
    episode = make_episode()
    play(client)
    play(client)
    episode.refresh_from_db()
    assert episode.views == 2
    assert story_views_total() == 2


@pytest.mark.parametrize("days_ago", [None, -1])
def test_unpublished_episodes_count_nothing(client, make_episode, buffered, days_ago):
    make_episode(days_ago=days_ago)
    assert play(client).status_code == HTTPStatus.NOT_FOUND
    assert story_views_total() == 0


def test_the_beacon_only_accepts_post(client, make_episode):
    make_episode()
    response = client.get("/en/stories/block-the-bullies/play")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Episode.objects.get().views == 0
