"""tests/parallel.py: every xdist worker gets its own data folder and Redis database."""

import os

import pytest
from django.conf import settings

from tests.parallel import worker_environment


@pytest.mark.parametrize(
    ("redis_url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw1", "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/14"),
    ],
)
def test_each_worker_gets_its_own_redis_database(redis_url, worker, expected):
    changed = worker_environment({"REDIS_URL": redis_url, "DATA_DIR": "/d"}, worker)
    assert changed == {"REDIS_URL": expected, "DATA_DIR": f"/d/{worker}"}


def test_without_redis_only_the_data_folder_changes():
    assert worker_environment({"DATA_DIR": "/d"}, "gw3") == {"DATA_DIR": "/d/gw3"}


def test_a_redis_url_it_cannot_split_is_refused_with_its_reason():
    with pytest.raises(RuntimeError, match="redis://host:port/db"):
        worker_environment({"REDIS_URL": "rediss://u:p@h:1/2?x=1"}, "gw1")


def test_this_process_uses_its_workers_folder_and_database_when_parallel(db):
    from django.db import connection

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("not running under pytest-xdist")
    assert settings.DATA_DIR.name == worker
    assert connection.settings_dict["NAME"].endswith(f"_{worker}")


@pytest.mark.parametrize(
    ("worker", "expected"),
    [
        (None, "redis://127.0.0.1:6379/15"),
        ("gw0", "redis://127.0.0.1:6379/15"),
        ("gw1", "redis://127.0.0.1:6379/14"),
    ],
)
def test_without_redis_url_the_service_tests_still_split_redis(
    monkeypatch, worker, expected
):
    # Two workers on one database take each other's tasks: a worker killed in one
    # test left its re-queued video to the other test's worker.
    from tests.parallel import service_redis_url

    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert service_redis_url() == expected
