"""The broker and the cache on Redis servers of their own, restarted for real.

Each test starts its own redis-server processes on spare ports (the machine's Redis on
6379 is shared and never restarted), and a real Celery worker shaped like the
production notices worker (`-Q notices,celery --concurrency 2`, prefork).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import BASE_DIR, free_port, service_missing, wait_for

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]

REDIS_SERVER = shutil.which("redis-server")

# docs/deploy.md's two servers: the broker persists every queued task and refuses to
# evict one; the cache may forget anything.
BROKER_OPTIONS = (
    "--appendonly", "yes", "--appendfsync", "everysec",
    "--maxmemory-policy", "noeviction",
)  # fmt: skip
CACHE_OPTIONS = (
    "--appendonly", "no", "--maxmemory", "64mb",
    "--maxmemory-policy", "allkeys-lru",
)  # fmt: skip


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class RedisServer:
    """A redis-server of the test's own on a spare port, keeping its files in
    `folder`, which a kill -9 and a start again on the same folder reuse."""

    def __init__(self, folder: Path, options: tuple[str, ...]):
        if REDIS_SERVER is None:
            service_missing("no redis-server on PATH")
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--dir", str(folder), *options,
        ]  # fmt: skip
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, start_new_session=True
        )
        wait_for(lambda: _answers(self.port), timeout=10, what="redis-server")
        # Loading the append-only file can take a moment after the port opens.
        wait_for(self._loaded, timeout=10, what="redis-server loaded its data")

    def _loaded(self) -> bool:
        try:
            return redis.Redis.from_url(self.url).info("persistence")["loading"] == 0
        except redis.exceptions.BusyLoadingError:
            return False

    def kill(self):
        """kill -9: no shutdown, no last save; what survives is what the AOF had."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    @property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _site_env(tmp_path: Path, broker: RedisServer, cache: RedisServer) -> dict:
    """The site's environment with the two roles apart, and no REDIS_URL at all."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        REDIS_BROKER_URL=broker.url,
        REDIS_CACHE_URL=cache.url,
        PYTHONUNBUFFERED="1",
    )
    return env


class NoticesWorker:
    """`celery -A config worker -Q notices,celery --concurrency 2`, as deployed."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--queues", "notices,celery", "--concurrency", "2",
            "--loglevel", "INFO", "-n", f"notices-{os.getpid()}@%h",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: b"ready." in log.read_bytes() or self.process.poll() is not None,
            timeout=60,
            what="the worker to start",
            worker=self,
        )
        assert self.process.poll() is None, log.read_text()[-3000:]

    def ran(self, marker: str) -> bool:
        """Whether a task whose result names `marker` succeeded."""
        return any(
            "succeeded in" in line and marker in line
            for line in self.log.read_text().splitlines()
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _site_python(env: dict, code: str) -> str:
    """Run `code` in a process of the site configured by `env`; its output."""
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SEND = (
    "from config.celery import app\n"
    "app.send_task('celery.accumulate', args=({marker!r},), queue='notices')\n"
)


def test_a_task_queued_while_no_worker_runs_survives_a_broker_restart_with_aof(
    tmp_path,
):
    broker = RedisServer(tmp_path / "broker", BROKER_OPTIONS)
    cache = RedisServer(tmp_path / "cache", CACHE_OPTIONS)
    env = _site_env(tmp_path, broker, cache)
    try:
        # The site sends to the broker server and caches in the other one.
        _site_python(env, SEND.format(marker="queued-before-the-restart"))
        _site_python(env, "from django.core.cache import cache; cache.set('k', 1)")
        assert broker.client.llen("notices") == 1
        assert cache.client.llen("notices") == 0
        assert broker.client.keys("*k") == [] and cache.client.keys("*k")

        # appendfsync everysec: what was written a second ago is on disk.
        time.sleep(1.5)
        broker.kill()
        broker.start()
        assert broker.client.llen("notices") == 1, "the queued task was lost"

        worker = NoticesWorker(env, tmp_path / "worker.log")
        try:
            wait_for(
                lambda: worker.ran("queued-before-the-restart"),
                timeout=30,
                what="the worker to run the task queued before the restart",
                worker=worker,
            )
        finally:
            worker.stop()
    finally:
        broker.kill()
        cache.kill()


def test_without_aof_the_same_restart_loses_the_queued_task(tmp_path):
    """Why the broker's server needs the AOF: the same kill -9 without it."""
    broker = RedisServer(tmp_path / "broker", ("--appendonly", "no"))
    try:
        broker.client.lpush("notices", "a task")
        time.sleep(1.5)
        broker.kill()
        broker.start()
        assert broker.client.llen("notices") == 0
    finally:
        broker.kill()


def test_the_cache_server_down_does_not_stop_the_broker_path(tmp_path):
    broker = RedisServer(tmp_path / "broker", BROKER_OPTIONS)
    cache = RedisServer(tmp_path / "cache", CACHE_OPTIONS)
    env = _site_env(tmp_path, broker, cache)
    worker = NoticesWorker(env, tmp_path / "worker.log")
    try:
        cache.kill()
        health = _site_python(
            env,
            "from core.health import health_report\n"
            "checks = health_report()['checks']\n"
            "print(checks['cache']['ok'], checks['broker']['ok'])\n"
            + SEND.format(marker="sent-while-the-cache-is-down"),
        )
        assert health.split() == ["False", "True"]
        wait_for(
            lambda: worker.ran("sent-while-the-cache-is-down"),
            timeout=30,
            what="the worker to run a task sent while the cache is down",
            worker=worker,
        )
        assert worker.process.poll() is None
    finally:
        worker.stop()
        broker.kill()


def test_the_notices_worker_survives_a_redis_restart_holding_unacked_messages(
    tmp_path,
):
    """Celery 5.7.0 exited here ("Unrecoverable error: AttributeError: 'NoneType'
    object has no attribute 'hostname'") while restoring the messages it held;
    config.celery.Consumer keeps it running."""
    broker = RedisServer(tmp_path / "broker", BROKER_OPTIONS)
    cache = RedisServer(tmp_path / "cache", CACHE_OPTIONS)
    env = _site_env(tmp_path, broker, cache)
    worker = NoticesWorker(env, tmp_path / "worker.log")
    try:
        # Tasks due in an hour: the worker takes them and holds them unacknowledged.
        _site_python(
            env,
            "from config.celery import app\n"
            "for n in range(3):\n"
            "    app.send_task('celery.accumulate', args=(n,), queue='notices',"
            " countdown=3600)\n",
        )
        wait_for(
            lambda: broker.client.hlen("unacked") == 3,
            timeout=30,
            what="the worker to hold three unacknowledged messages",
            worker=worker,
        )
        broker.kill()
        time.sleep(2)
        broker.start()

        _site_python(env, SEND.format(marker="sent-after-the-restart"))
        wait_for(
            lambda: (
                worker.ran("sent-after-the-restart")
                or worker.process.poll() is not None
            ),
            timeout=60,
            what="the worker to run a task sent after the restart",
            worker=worker,
        )
        log = worker.log.read_text()
        assert worker.process.poll() is None, f"the worker exited:\n{log[-3000:]}"
        assert "Unrecoverable error" not in log
        assert worker.ran("sent-after-the-restart")
    finally:
        worker.stop()
        broker.kill()
        cache.kill()
