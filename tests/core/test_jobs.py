"""core.jobs: a broker that is down never fails the request that sent the task."""

import logging

import pytest
from celery import shared_task
from django.db import transaction


@shared_task(name="tests.core.test_jobs.remember")
def remember(value):
    REMEMBERED.append(value)


REMEMBERED = []


def test_a_send_to_a_broker_that_is_down_is_logged_not_raised(broker_down, caplog):
    from core.jobs import enqueue

    with caplog.at_level(logging.WARNING, logger="core.jobs"):
        sent = enqueue(remember, 7)

    assert sent is False
    assert "tests.core.test_jobs.remember(7,) not sent" in caplog.text


def test_a_send_to_a_working_broker_runs_the_task():
    from core.jobs import enqueue

    REMEMBERED.clear()
    assert enqueue(remember, 8) is True
    assert REMEMBERED == [8]


@pytest.mark.django_db(transaction=True)
def test_the_send_waits_for_the_commit_and_a_rollback_drops_it():
    from core.jobs import enqueue_on_commit

    REMEMBERED.clear()
    with transaction.atomic():
        enqueue_on_commit(remember, 1)
        assert REMEMBERED == []
    assert REMEMBERED == [1]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(remember, 2)
        raise RuntimeError
    assert REMEMBERED == [1]
