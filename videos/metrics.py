"""Prometheus samples about the pipeline (listed in settings.METRICS_COLLECTORS)."""

import datetime as dt
import statistics

from django.db.models import Count
from django.utils import timezone

from .models import Video


def _latencies(since) -> list[float]:
    rows = Video.objects.filter(
        status=Video.Status.READY,
        processed_at__gte=since,
        processing_started_at__isnull=False,
    ).values_list("created_at", "processed_at")[:1000]
    return [(done - created).total_seconds() for created, done in rows]


def video_samples() -> list[tuple[str, dict, float, str]]:
    day_ago = timezone.now() - dt.timedelta(days=1)
    samples: list[tuple[str, dict, float, str]] = []
    for row in Video.objects.values("status").annotate(n=Count("id")):
        samples.append(("kh_videos", {"status": row["status"]}, row["n"], "gauge"))
    failed = Video.objects.filter(
        status=Video.Status.FAILED, updated_at__gte=day_ago
    ).count()
    samples.append(("kh_video_failures_last_24h", {}, failed, "gauge"))
    latencies = _latencies(day_ago)
    if latencies:
        quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else []
        p50 = statistics.median(latencies)
        p95 = quantiles[18] if quantiles else latencies[0]
        samples.append(("kh_video_latency_seconds", {"quantile": "0.5"}, p50, "gauge"))
        samples.append(("kh_video_latency_seconds", {"quantile": "0.95"}, p95, "gauge"))
    return samples
