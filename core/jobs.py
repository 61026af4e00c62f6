"""Sending Celery tasks by name: a broker that is down never fails the request.

Work is sent by the task's name (a constant in the app's `jobs.py`, a module that
imports nothing), the way Zulip's `queue_event_on_commit` sends events: a service
never imports the module its task lives in, so tasks can import services and
nothing imports back.

The request's own work is already committed when its tasks are sent (they go after
commit), so a broker error there would turn a saved upload or decision into an
error page. Instead the send is logged and dropped, and a sweep finds the work
undone in the database and sends it again: videos.services.video_sweep for videos,
the challenge's sweep_notices for decision and guardian notices (docs/decisions.md,
"When a dependency fails", lists the few mails that have no sweep).
"""

import logging
import threading

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

BROKER_DOWN = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


# Celery's autodiscovery is not thread-safe: a thread that asks while another is
# importing the tasks modules returns at once with nothing imported (the loader's
# `_RACE_PROTECTION` flag), so under gunicorn's threads the first uploads of a fresh
# process answered 500. One thread imports; the others wait for it.
_discovering = threading.Lock()


class UnknownTask(LookupError):
    """A name no app registers a task under (a typo, or a task that was removed)."""


def registered_task(name: str):
    """The task registered under `name`; the apps' tasks modules are imported the
    first time one is asked for (Celery's autodiscovery), so the web process loads
    them only once it sends work. The task object, not a bare `send_task`, so that
    eager mode and the task's own options (retries, annotations) apply."""
    app = current_app
    if name not in app.tasks:
        with _discovering:
            if name not in app.tasks:
                app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise UnknownTask(f"no Celery task is registered as {name!r}") from None


def enqueue(name: str, *args, countdown: float | None = None) -> bool:
    """Send the task `name` with `args`; False (and a warning) when the broker is down."""
    task = registered_task(name)
    try:
        task.apply_async(args, countdown=countdown)
    except BROKER_DOWN as error:
        log.warning(
            "broker down, %s%s not sent (its sweep will): %s", name, args, error
        )
        return False
    return True


def enqueue_on_commit(name: str, *args, countdown: float | None = None) -> None:
    """`enqueue` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(name, *args, countdown=countdown))
