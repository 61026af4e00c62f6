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
