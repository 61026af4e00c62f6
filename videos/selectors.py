"""Reads for videos."""

from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from videos.models import Video


def videos_without_ladder() -> list:
    """Ids of ready videos that still play only as an MP4, oldest first."""
    return list(
        Video.objects.filter(status=Video.Status.READY, stream="")
        .exclude(output="")
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def videos_ahead(path: str = "") -> Case:
    """How many videos a worker takes before this one, as an expression for
    annotating many rows in one query: those waiting or being processed that came in
    earlier; 0 once this one is being processed (or done). `path` leads from the
    queried model to its video ("video" from an entry; "" for Video itself)."""
    prefix = f"{path}__" if path else ""
    earlier = (
        Video.objects.filter(
            status__in=[Video.Status.PENDING, Video.Status.PROCESSING],
            created_at__lt=OuterRef(f"{prefix}created_at"),
        )
        .order_by()
        .annotate(count=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("count")
    )
    return Case(
        When(
            **{f"{prefix}status": Video.Status.PENDING},
            then=Coalesce(Subquery(earlier), 0),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
