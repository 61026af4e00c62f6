"""Writes for the story series."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from core.jobs import enqueue_on_commit

from . import jobs
from .models import Episode, Teaser
from .selectors import TEASERS_KEPT, VIEWS_KEY, episodes_published, pending_views
from .teaser import cuts_to_json, teaser_cuts, teaser_signature

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


# While one worker cuts a teaser, another asked for the same one leaves it (the key
# expires by itself should the worker die); a burst of finished videos is waited for.
TEASER_LOCK = "stories:teaser:making:{signature}"
TEASER_SETTLE_SECONDS = 30


def teaser_request() -> None:
    """Have the teaser checked (and re-made if the episodes changed) once the
    caller commits: after staff save or delete an episode or a series. Publishing
    by the clock has no save to hook: the periodic check (beat, every
    STORY_TEASER_CHECK_SECONDS) finds it."""
    enqueue_on_commit(jobs.REFRESH_TEASER)


def teaser_video_finished(video) -> None:
    """The videos app's on_finished hook: an episode's video that is now ready
    (a new master, a reprocess) has the teaser checked a little later, so that a
    burst of episodes finishing together makes one teaser, not one each."""
    if (
        video.status == video.Status.READY
        and Episode.objects.filter(video_id=video.pk).exists()
    ):
        enqueue_on_commit(jobs.REFRESH_TEASER, countdown=TEASER_SETTLE_SECONDS)


def teaser_refresh() -> Teaser | None:
    """Make the teaser of the published episodes unless it exists; return it (None
    when there is nothing to cut, an episode's video is still being processed, or
    another worker is cutting it right now).

    Idempotent and cheap when nothing changed: one query and a hash. The video is
    cut outside any transaction (videos.services.video_teaser_create); the row is
    recorded in a short one, and the unique signature keeps a second run that
    raced this one from recording a twin (its video is deleted). Teasers beyond
    the TEASERS_KEPT newest are deleted (their videos become tombstones).
    """
    from videos.services import video_delete, video_teaser_create

    episodes = list(episodes_published())
    if any(_video_on_its_way(episode) for episode in episodes):
        # Its hook asks again once it is ready: a teaser cut now would leave it out
        # only to be cut again minutes later.
        logger.info("teaser: an episode's video is still being processed")
        return None
    cuts = teaser_cuts(episodes)
    if not cuts:
        return None
    signature = teaser_signature(cuts)
    existing = Teaser.objects.filter(signature=signature).first()
    if existing is not None:
        return existing
    lock = TEASER_LOCK.format(signature=signature)
    if not cache.add(lock, 1, timeout=settings.VIDEO_HARD_TIME_LIMIT):
        logger.info("teaser %s is being made elsewhere", signature[:12])
        return None
    try:
        video = video_teaser_create(
            parts=[(cut.video, cut.start, cut.end) for cut in cuts]
        )
        if video is None:
            return None
        with transaction.atomic():
            teaser, created = Teaser.objects.get_or_create(
                signature=signature,
                defaults={"video": video, "cuts": cuts_to_json(cuts)},
            )
            if not created:
                video_delete(video_id=video.pk)
            _teasers_prune(video_delete)
    finally:
        cache.delete(lock)
    logger.info("teaser %s made from %d episodes", signature[:12], len(cuts))
    return teaser


def _video_on_its_way(episode: Episode) -> bool:
    video = episode.video
    return video is not None and video.status in (
        video.Status.PENDING,
        video.Status.PROCESSING,
    )


def _teasers_prune(video_delete) -> None:
    old = list(Teaser.objects.all()[TEASERS_KEPT:])
    for teaser in old:
        video_delete(video_id=teaser.video_id)
        teaser.delete()
