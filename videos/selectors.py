"""Reads for videos."""

from videos.models import Video


def videos_without_ladder() -> list:
    """Ids of ready videos that still play only as an MP4, oldest first."""
    return list(
        Video.objects.filter(status=Video.Status.READY, stream="")
        .exclude(output="")
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def videos_ahead(video: Video) -> int:
    """How many videos a worker takes before this one: those waiting or being
    processed that came in earlier. 0 once this one is being processed."""
    if video.status != Video.Status.PENDING:
        return 0
    return Video.objects.filter(
        status__in=[Video.Status.PENDING, Video.Status.PROCESSING],
        created_at__lt=video.created_at,
    ).count()
