"""core.jobs: work is sent by name, and a broker that is down never fails the request
that sent it; routes and the beat schedule come from the same names."""

import logging
import os
import subprocess
import sys

import pytest
from celery import shared_task
from django.db import transaction

REMEMBER = "tests.core.test_jobs.remember"


@shared_task(name=REMEMBER)
def remember(value):
    REMEMBERED.append(value)


REMEMBERED = []


def test_a_send_to_a_broker_that_is_down_is_logged_not_raised(broker_down, caplog):
    from core.jobs import enqueue

    with caplog.at_level(logging.WARNING, logger="core.jobs"):
        sent = enqueue(REMEMBER, 7)

    assert sent is False
    assert "tests.core.test_jobs.remember(7,) not sent" in caplog.text


def test_a_send_to_a_working_broker_runs_the_task():
    from core.jobs import enqueue

    REMEMBERED.clear()
    assert enqueue(REMEMBER, 8) is True
    assert REMEMBERED == [8]


@pytest.mark.django_db(transaction=True)
def test_the_send_waits_for_the_commit_and_a_rollback_drops_it():
    from core.jobs import enqueue_on_commit

    REMEMBERED.clear()
    with transaction.atomic():
        enqueue_on_commit(REMEMBER, 1)
        assert REMEMBERED == []
    assert REMEMBERED == [1]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(REMEMBER, 2)
        raise RuntimeError
    assert REMEMBERED == [1]


def _names(module):
    return {
        value
        for key, value in vars(module).items()
        if key.isupper() and isinstance(value, str)
    }


JOBS_MODULES = ("challenge.jobs", "stories.jobs", "videos.jobs")


@pytest.mark.parametrize("module_name", JOBS_MODULES)
def test_every_task_name_is_registered_by_its_app(module_name):
    import importlib

    from core.jobs import registered_task

    for name in _names(importlib.import_module(module_name)):
        assert registered_task(name).name == name


def test_a_name_no_task_is_registered_under_is_refused_clearly():
    from core.jobs import UnknownTask, enqueue

    with pytest.raises(UnknownTask, match="challenge.tasks.send_guardian_mail"):
        enqueue("challenge.tasks.send_guardian_mail", 1)


def test_every_registered_project_task_has_a_name_in_a_jobs_module():
    """No task is sent by an ad-hoc string: each one the apps register is named once."""
    import importlib

    from celery import current_app

    current_app.loader.import_default_modules()
    named = set().union(*(_names(importlib.import_module(m)) for m in JOBS_MODULES))
    registered = {
        name
        for name in current_app.tasks
        if name.split(".")[0] in {"challenge", "stories", "videos"}
    }
    assert registered == named


def _queue_of(name):
    from celery import current_app

    return current_app.amqp.router.route({}, name)["queue"].name


def test_mails_go_to_the_notices_queue_transcodes_to_theirs_and_the_rest_to_the_default():
    from challenge import jobs as challenge_jobs
    from stories import jobs as stories_jobs
    from videos import jobs as video_jobs

    assert {_queue_of(name) for name in challenge_jobs.MAILS} == {"notices"}
    assert _queue_of(video_jobs.PROCESS_VIDEO) == "transcode"
    assert _queue_of(stories_jobs.REFRESH_TEASER) == "transcode"
    for name in (
        video_jobs.SWEEP_VIDEOS,
        stories_jobs.FLUSH_STORY_VIEWS,
        challenge_jobs.RETENTION_SWEEP,
        challenge_jobs.SWEEP_NOTICES,
    ):
        assert _queue_of(name) == "celery"


def test_every_beat_entry_names_a_registered_task(settings):
    from core.jobs import registered_task

    assert set(settings.CELERY_BEAT_SCHEDULE) == {
        "videos-sweep",
        "videos-sweep-orphans",
        "stories-flush-views",
        "stories-refresh-teaser",
        "challenge-retention",
        "challenge-expire-nudges",
        "challenge-expire-uploads",
        "challenge-sweep-notices",
        "challenge-notes-digest",
        "challenge-tiktok-recheck",
    }
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert registered_task(entry["task"]).name == entry["task"]
        assert entry["schedule"] > 0


FIRST_SENDS_AT_ONCE = """
import threading, time
import django
django.setup()
from celery import current_app
from core.jobs import UnknownTask, registered_task

assert "videos.tasks.process_video" not in current_app.tasks
failed = []

def send(i):
    time.sleep(i * 0.01)
    try:
        registered_task("videos.tasks.process_video")
    except UnknownTask:
        failed.append(i)

threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("failed", sorted(failed))
"""


def test_the_first_sends_of_a_fresh_process_from_many_threads_all_find_their_task(
    tmp_path,
):
    """Found by bench/chaos.py: the first uploads of a fresh gunicorn process, on
    several threads at once, answered 500 `UnknownTask`. Celery's autodiscovery
    returns at once, having imported nothing, to a thread that asks while another is
    importing the tasks modules. A fresh interpreter, as gunicorn's is."""
    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["DATA_DIR"] = str(tmp_path)
    finished = subprocess.run(
        [sys.executable, "-c", FIRST_SENDS_AT_ONCE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip().splitlines()[-1] == "failed []"
