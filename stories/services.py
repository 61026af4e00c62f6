"""Writes for the story series."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from .models import Episode
from .selectors import VIEWS_KEY, pending_views

logger = logging.getLogger(__name__)


def story_view_record(*, episode: Episode) -> None:
    """Count one play of a published episode, without cookies or personal data.

    With a shared cache (Redis, STORY_VIEWS_BUFFERED on) this is one atomic INCR and
    no database write: `story_views_flush` moves the counts to the database every few
    minutes, so a popular episode never queues page requests behind a row lock.
    Without a shared cache (a laptop's local-memory cache is per process, the flush
    task in the worker could not see it) the count goes straight to the row.
    """
    if not settings.STORY_VIEWS_BUFFERED:
        Episode.objects.filter(pk=episode.pk).update(views=F("views") + 1)
        return
    key = VIEWS_KEY.format(pk=episode.pk)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:
        # The key was evicted between add() and incr(); start it again.
        cache.set(key, 1, timeout=None)


def story_views_flush() -> int:
    """Move the buffered play counts into Episode.views; returns how many moved.

    Safe to run concurrently with story_view_record: only the amount read is
    subtracted from the counter, so plays counted meanwhile stay for the next flush.
    """
    moved = 0
    ids = list(Episode.objects.values_list("pk", flat=True))
    for pk, count in pending_views(ids).items():
        with transaction.atomic():
            Episode.objects.filter(pk=pk).update(views=F("views") + count)
        try:
            cache.decr(VIEWS_KEY.format(pk=pk), count)
        except ValueError:
            logger.warning("view counter for episode %s vanished during flush", pk)
        moved += count
    return moved


def episode_video_replace(*, episode: Episode, file, original_name: str) -> None:
    """Give the episode a new master video; the pipeline processes it after commit.

    The previous video (if any) is deleted with its files once the transaction
    commits, so a rolled-back admin save never loses the video still in use.
    The caller saves the episode.
    """
    from videos.services import video_create

    previous_id = episode.video_id
    episode.video = video_create(file=file, original_name=original_name)
    if previous_id:
        transaction.on_commit(lambda: _video_discard(previous_id))


def _video_discard(video_id) -> None:
    from videos.models import Video
    from videos.services import video_delete_files

    video = Video.objects.filter(pk=video_id).first()
    if video is None or Episode.objects.filter(video_id=video_id).exists():
        return
    video_delete_files(video=video)
    video.delete()
