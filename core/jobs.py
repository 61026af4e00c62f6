"""Sending Celery tasks: a broker that is down never fails the request that asked.

The request's own work is already committed when its tasks are sent (they go after
commit), so a broker error there would turn a saved upload or decision into an
error page. Instead the send is logged and dropped, and a sweep finds the work
undone in the database and sends it again: videos.services.video_sweep for videos,
challenge.tasks.sweep_notices for decision and guardian notices (docs/decisions.md,
"When a dependency fails", lists the few mails that have no sweep).
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

BROKER_DOWN = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send `task` with `args`; False (and a warning) when the broker is down."""
    try:
        task.apply_async(args, countdown=countdown)
    except BROKER_DOWN as error:
        log.warning(
            "broker down, %s%s not sent (its sweep will): %s", task.name, args, error
        )
        return False
    return True


def enqueue_on_commit(task, *args, countdown: float | None = None) -> None:
    """`enqueue` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown))
