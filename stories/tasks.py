from celery import shared_task

from . import jobs
from .services import story_views_flush, teaser_refresh


@shared_task(name=jobs.FLUSH_STORY_VIEWS, ignore_result=True)
def flush_story_views() -> int:
    return story_views_flush()


@shared_task(name=jobs.REFRESH_TEASER, ignore_result=True)
def refresh_teaser() -> None:
    """Time limits as a transcode's (CELERY_TASK_ANNOTATIONS), on its queue."""
    teaser_refresh()
