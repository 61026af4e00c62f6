import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kindness_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
