"""GET /metrics: Prometheus text for queue length, processing failures and latency.

Open to staff, or to a scraper sending `Authorization: Bearer $METRICS_TOKEN`.
"""

import datetime as dt
import hmac
import statistics
from http import HTTPStatus
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from challenge.models import Entry
from config.celery import app as celery_app
from videos.models import Video


def queue_lengths() -> dict[str, int]:
    queues = settings.CELERY_ALL_QUEUES.split(",")
    if settings.REDIS_URL:
        with celery_app.connection_for_read() as conn:
            client = conn.default_channel.client
            return {queue: int(client.llen(queue)) for queue in queues}
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    waiting = sum(1 for _ in folder.glob("*.msg"))
    return {"all": waiting}


def _latencies(since) -> list[float]:
    rows = Video.objects.filter(
        status=Video.Status.READY,
        processed_at__gte=since,
        processing_started_at__isnull=False,
    ).values_list("created_at", "processed_at")[:1000]
    return [(done - created).total_seconds() for created, done in rows]


def collect() -> list[tuple[str, dict, float, str]]:
    now = timezone.now()
    day_ago = now - dt.timedelta(days=1)
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
    for row in Entry.objects.values("state").annotate(n=Count("id")):
        samples.append(("kh_entries", {"state": row["state"]}, row["n"], "gauge"))
    try:
        for queue, length in queue_lengths().items():
            samples.append(("kh_queue_length", {"queue": queue}, length, "gauge"))
        samples.append(("kh_broker_up", {}, 1, "gauge"))
    except Exception:  # noqa: BLE001 - the broker being down is itself a metric
        samples.append(("kh_broker_up", {}, 0, "gauge"))
    return samples


def render_prometheus(samples) -> str:
    lines, typed = [], set()
    for name, labels, value, kind in samples:
        if name not in typed:
            lines.append(f"# TYPE {name} {kind}")
            typed.add(name)
        label_text = ",".join(f'{key}="{val}"' for key, val in sorted(labels.items()))
        lines.append(
            f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}"
        )
    return "\n".join(lines) + "\n"


def _authorised(request) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(sent, token)


@never_cache
def metrics(request):
    if not _authorised(request):
        return HttpResponse(status=HTTPStatus.NOT_FOUND)
    return HttpResponse(
        render_prometheus(collect()), content_type="text/plain; version=0.0.4"
    )
