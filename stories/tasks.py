from celery import shared_task

from .services import story_views_flush


@shared_task(ignore_result=True)
def flush_story_views() -> int:
    return story_views_flush()
