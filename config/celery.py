import logging
import os

from celery import Celery, Task, signals
from celery.worker.consumer import Consumer as CeleryConsumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)


class DatabasePatientTask(Task):
    """Every task: when the database is away, the worker waits for it (up to
    DATABASE_WAIT_SECONDS) and runs the task again, instead of failing it and
    leaving it to a sweep minutes later. Tasks are idempotent (docs/architecture.md),
    so a second run after a half-done first one is safe. A task that retries
    database errors itself (autoretry_for: process_video) keeps its own way: Celery
    turns the error into a retry before it reaches this."""

    def __call__(self, *args, **kwargs):
        from django.conf import settings

        from core.outage import DATABASE_DOWN, database_wait

        for _attempt in range(3):
            try:
                return super().__call__(*args, **kwargs)
            except DATABASE_DOWN as error:
                if self.request.is_eager:
                    raise
                logger.warning(
                    "%s: the database is away (%s); waiting", self.name, error
                )
                if not database_wait(timeout=settings.DATABASE_WAIT_SECONDS):
                    raise
                logger.warning("%s: the database is back; running again", self.name)
        return super().__call__(*args, **kwargs)


app = Celery("kindness_hub", task_cls=DatabasePatientTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Consumer(CeleryConsumer):
    """Celery's consumer, surviving a Redis restart while it holds unacked messages.

    Celery 5.7.0 handles a lost connection by collecting it (which lets go of its
    transport) and then closing it. With the Redis transport the collect cannot close
    the channel (its pending BRPOP read fails first), so the close runs the channel's
    "restore unacknowledged messages" on a transport already let go, and kombu raises
    AttributeError ('NoneType' object has no attribute 'hostname'), which Celery does
    not ignore: the worker exits. Only that close of a connection collect() has
    already let go is made quiet here; the messages stay in Redis's unacked set and
    come back after the visibility timeout, as for a worker that was killed.
    Named by CELERY_WORKER_CONSUMER (docs/decisions.md, "Broker and cache apart").
    """

    def on_connection_error_after_connected(self, exc):
        connection = self.connection
        if connection is not None:
            close = connection.close

            def close_unless_let_go():
                try:
                    close()
                except AttributeError:
                    if connection._transport is not None:
                        raise
                    logger.warning(
                        "broker connection lost: unacknowledged messages stay in "
                        "the broker and come back after the visibility timeout"
                    )

            connection.close = close_unless_let_go
        super().on_connection_error_after_connected(exc)


@signals.task_prerun.connect
def _bind_task_id(task_id=None, task=None, **kwargs):
    from core.observability import task_id_var

    task.request.kh_log_token = task_id_var.set(task_id or "-")


@signals.task_postrun.connect
def _unbind_task_id(task=None, **kwargs):
    from core.observability import task_id_var

    token = getattr(task.request, "kh_log_token", None)
    if token is not None:
        task_id_var.reset(token)


@signals.setup_logging.connect
def _use_django_logging(**kwargs):
    """Let Django's LOGGING (with request/task ids) configure the worker's logs too."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
