"""Reads for videos."""

import datetime as dt
from dataclasses import dataclass
from statistics import median

from django.core.cache import cache
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
from django.utils import timezone

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


# How far back the pace is measured, from how many videos at most and at least.
PACE_DAYS = 7
PACE_SAMPLES = 50
PACE_MIN_SAMPLES = 3
PACE_CACHE_KEY = "videos:processing-pace"


@dataclass(frozen=True)
class Pace:
    per_video: float  # median seconds a worker spent on one video
    per_megabyte: float  # median seconds per MB of the original file


def processing_pace(now=None) -> Pace | None:
    """How fast the pipeline has been lately, from the last PACE_SAMPLES videos it
    finished in PACE_DAYS days; None with fewer than PACE_MIN_SAMPLES (a few say
    little). Cached for ten minutes: every status poll asks."""
    cached = cache.get(PACE_CACHE_KEY)
    if cached is not None:
        return cached or None
    now = now or timezone.now()
    rows = (
        Video.objects.filter(
            status=Video.Status.READY,
            processed_at__gte=now - dt.timedelta(days=PACE_DAYS),
            processing_started_at__isnull=False,
            source_size__gt=0,
        )
        .order_by("-processed_at")
        .values_list("processing_started_at", "processed_at", "source_size")[
            :PACE_SAMPLES
        ]
    )
    spans = [
        (max((done - started).total_seconds(), 0.0), size)
        for started, done, size in rows
    ]
    pace = None
    if len(spans) >= PACE_MIN_SAMPLES:
        pace = Pace(
            per_video=median(seconds for seconds, _ in spans),
            per_megabyte=median(seconds / (size / 2**20) for seconds, size in spans),
        )
    cache.set(PACE_CACHE_KEY, pace or 0, 600)
    return pace


def processing_time_left(video: Video, *, ahead: int, now=None) -> float | None:
    """A guess at the seconds until `video` is ready, to be said with "about": the
    videos ahead of it at the recent pace per video, then its own at the recent pace
    per MB (its length is not known before it is processed; a phone's bitrate keeps
    size and length close), less the time a worker has spent on it already. None
    without a recent pace; zero or less once the guess has run out."""
    pace = processing_pace(now)
    if pace is None or video.status not in (
        Video.Status.PENDING,
        Video.Status.PROCESSING,
    ):
        return None
    own = pace.per_megabyte * (video.source_size or 0) / 2**20 or pace.per_video
    left = ahead * pace.per_video + own
    if video.status == Video.Status.PROCESSING and video.processing_started_at:
        now = now or timezone.now()
        left -= (now - video.processing_started_at).total_seconds()
    return left
