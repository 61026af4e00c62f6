"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from videos import jobs, services
from videos.services import TRANSIENT_ERRORS

# Both transcode tasks: acknowledged at the end (a killed worker's message comes
# back), transient errors retried with backoff. The real cap is VIDEO_MAX_ATTEMPTS,
# counted in the database by the services.
TRANSCODE_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name=jobs.PROCESS_VIDEO, **TRANSCODE_TASK)
def process_video(video_id: str) -> None:
    """Soft/hard time limits come from settings via CELERY_TASK_ANNOTATIONS."""
    services.video_process(video_id=video_id)


@shared_task(name=jobs.MAKE_TOP_RUNG, **TRANSCODE_TASK)
def make_top_rung(video_id: str) -> None:
    """The top rung of a review copy; time limits as process_video's."""
    services.video_top_make(video_id=video_id)


@shared_task(name=jobs.SWEEP_VIDEOS, ignore_result=True)
def sweep_videos() -> None:
    services.video_sweep()
    services.video_tombstones_sweep()


@shared_task(name=jobs.SWEEP_ORPHANS, ignore_result=True)
def sweep_orphans() -> None:
    """Files in storage no row keeps (services.video_orphans_sweep)."""
    services.video_orphans_sweep()
