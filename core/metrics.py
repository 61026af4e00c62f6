"""GET /metrics: Prometheus text for queue length, processing failures and latency.

Open to staff, or to a scraper sending `Authorization: Bearer $METRICS_TOKEN`.
"""

import hmac
from http import HTTPStatus
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache

from .health import database_answers
from .outage import DATABASE_DOWN


def queue_lengths() -> dict[str, int]:
    queues = settings.CELERY_ALL_QUEUES.split(",")
    if settings.REDIS_BROKER_URL:
        with current_app.connection_for_read() as conn:
            client = conn.default_channel.client
            return {queue: int(client.llen(queue)) for queue in queues}
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    waiting = sum(1 for _ in folder.glob("*.msg"))
    return {"all": waiting}


def broker_samples() -> list[tuple[str, dict, float, str]]:
    samples: list[tuple[str, dict, float, str]] = []
    try:
        for queue, length in queue_lengths().items():
            samples.append(("kh_queue_length", {"queue": queue}, length, "gauge"))
        samples.append(("kh_broker_up", {}, 1, "gauge"))
    except Exception:  # noqa: BLE001 - the broker being down is itself a metric
        samples.append(("kh_broker_up", {}, 0, "gauge"))
    return samples


def collect() -> list[tuple[str, dict, float, str]]:
    """Every sample: each app's collector named in settings.METRICS_COLLECTORS
    (so core imports no feature app), then the broker's queues. While the database
    is away, the collectors that need it are skipped and kh_database_up says 0: a
    scraper still gets an answer, and the alert it needs."""
    samples: list[tuple[str, dict, float, str]] = []
    database_up = database_answers()
    for dotted in settings.METRICS_COLLECTORS if database_up else ():
        try:
            samples.extend(import_string(dotted)())
        except DATABASE_DOWN:
            database_up = False
    samples.append(("kh_database_up", {}, int(database_up), "gauge"))
    samples.extend(broker_samples())
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
    # The token first: a scraper's request then needs no session (no query).
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and hmac.compare_digest(sent, token):
        return True
    return request.user.is_authenticated and request.user.is_staff


@never_cache
def metrics(request):
    if not _authorised(request):
        return HttpResponse(status=HTTPStatus.NOT_FOUND)
    return HttpResponse(
        render_prometheus(collect()), content_type="text/plain; version=0.0.4"
    )
