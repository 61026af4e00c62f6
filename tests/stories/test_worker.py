"""The demo series under a real Celery worker on real Redis, as `make run` does."""

import pytest
from django.conf import settings

from stories import demo
from stories.models import Episode
from stories.selectors import story_views_total
from stories.tasks import flush_story_views
from tests.conftest import service_missing, wait_for
from videos.models import Video

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]


def test_demo_videos_are_processed_by_the_worker_and_plays_flushed(
    client, celery_worker, monkeypatch
):
    worker = celery_worker
    if not settings.REDIS_URL:
        service_missing("the shared play counter needs REDIS_URL for the test process")
    monkeypatch.setitem(demo.DEMO_CLIP, "seconds", 2)
    monkeypatch.setitem(demo.DEMO_CLIP, "width", 90)
    monkeypatch.setitem(demo.DEMO_CLIP, "height", 160)
    monkeypatch.setitem(demo.DEMO_CLIP, "fps", 8)
    settings.STORY_VIEWS_BUFFERED = True

    demo.load_stories()
    wait_for(
        lambda: (
            Video.objects.filter(
                status=Video.Status.READY, episode__isnull=False
            ).count()
            == 6
        ),
        timeout=60,
        what="six demo videos ready",
        worker=worker,
    )
    html = client.get("/en/stories/").content.decode()
    for episode in Episode.objects.all():
        assert f'src="/v/{episode.video_id}/poster.webp"' in html

    for _ in range(3):
        client.post("/en/stories/walk-away/play")
    assert Episode.objects.get(slug="walk-away").views == 0
    flush_story_views.delay()
    wait_for(
        lambda: Episode.objects.get(slug="walk-away").views == 3,
        timeout=60,
        what="the worker flushed the plays",
        worker=worker,
    )
    assert story_views_total() == 3
