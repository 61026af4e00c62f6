"""Shared fixtures.

Service tests (PostgreSQL, Redis, a real Celery worker, Chromium) skip with a reason
where the service is missing, and fail instead when KINDNESS_REQUIRE_SERVICES is set
(CI sets it).
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections

# Re-exported for the test modules: one Chromium path and one free-port helper.
from bench.harness import CHROMIUM, free_port  # noqa: F401
from config.celery import app as celery_app
from tests.parallel import service_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("KINDNESS_REQUIRE_SERVICES", "") not in ("", "0")


def service_missing(reason: str):
    """Skip the test, or fail it where services are required (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def reset_broker_pools() -> None:
    """Drop Celery's and kombu's connection and producer pools.

    Needed whenever the test switches the app to another broker (or back): a closed
    pool would break every later `.delay()`, eager ones included, since Celery 5.7
    takes a producer from the pool even for an eager task. New pools are made on
    demand.
    """
    from kombu import pools

    pools.reset()  # kombu keeps its pools globally, keyed by connection
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(predicate, *, timeout: float, what: str, worker=None, every=0.1):
    """Poll `predicate` until it returns something truthy, and return that.

    On timeout, fail with `what` and, when a worker is given, the end of its log.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    log = f"\n{worker.log.read_text()[-3000:]}" if worker is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{log}")


def copy_project(target: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Copy the project's files (tracked and new, not ignored) to `target`, keeping
    their times, as a fresh clone would have them; paths starting with `skip` are
    left out."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, files):
        source = BASE_DIR / name
        if source.is_file() and not name.startswith(skip):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker_down():
    """Tasks are sent (not run in-process) to a Redis broker on a port where nothing
    listens: every send fails as it does while the real broker restarts. Call the
    fixture's value to bring the broker back (tasks run in-process again)."""
    previous = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app.conf.broker_transport_options = {}
    reset_broker_pools()

    def back():
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = previous
        celery_app.conf.task_always_eager = True
        reset_broker_pools()

    yield back
    back()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """A request in another language leaves that language active in this thread;
    every test starts (and ends) in English so reverse() and messages agree."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _isolated_state():
    """Every test starts with an empty cache and runs Celery tasks in-process.

    Tests that need a real worker use the `celery_worker` fixture, which switches
    eager mode off for their duration.
    """
    cache.clear()
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    cache.clear()


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL or service_redis_url()
    parsed = urlparse(url)
    if not _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        service_missing(f"Redis is not answering at {url}")
    return url


@pytest.fixture
def postgres_db(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        service_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def _database_url_for_worker() -> str:
    """The URL of the test database the test process is using right now."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path):
    """A real Celery worker process on real Redis, sharing the test database.

    Yields a handle with `.process` (the Popen) and `.restart()`; tasks sent by the
    test process go through Redis to it.
    """
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "REDIS_URL": redis_url,
        # A worker on a machine of its own (object storage shared, temp files not)
        # when a test sets WORKER_DATA_DIR; else this machine's folders.
        "DATA_DIR": os.environ.get("WORKER_DATA_DIR") or str(settings.DATA_DIR),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    previous_broker = celery_app.conf.broker_url
    previous_options = celery_app.conf.broker_transport_options
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    celery_app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if "visibility_timeout" not in celery_app.conf.broker_transport_options:
        celery_app.conf.broker_transport_options = {
            "visibility_timeout": settings.VIDEO_HARD_TIME_LIMIT + 600
        }
    reset_broker_pools()
    import redis

    redis.Redis.from_url(redis_url).flushdb()

    log_path = tmp_path / "worker.log"

    class Worker:
        process: subprocess.Popen | None = None
        log = log_path

        def start(self):
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "--queues",
                    settings.CELERY_ALL_QUEUES,
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"test-{os.getpid()}@%h",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log_path.open("ab"),
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if b"ready." in log_path.read_bytes():
                    return
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
            raise RuntimeError("worker did not start:\n" + log_path.read_text())

        def stop(self, sig=None):
            if self.process and self.process.poll() is None:
                if sig is None:
                    self.process.terminate()
                else:
                    self.process.send_signal(sig)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()

        def restart(self):
            self.stop()
            self.start()

    worker = Worker()
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        celery_app.conf.broker_url = previous_broker
        celery_app.conf.broker_transport_options = previous_options
        reset_broker_pools()


class SmallVolume:
    """A real tmpfs mounted for one test: writes past its size fail with ENOSPC,
    as on a full upload disk. `fill` takes its room but `leave` bytes with a
    ballast file (another writer); `files` lists what else is on it."""

    BALLAST = ".ballast"

    def __init__(self, path: Path, size: int):
        self.path = path
        self.size = size

    def free(self) -> int:
        return shutil.disk_usage(self.path).free

    def fill(self, *, leave: int) -> None:
        with (self.path / self.BALLAST).open("ab") as ballast:
            ballast.write(b"\0" * max(0, self.free() - leave))

    def empty(self) -> None:
        (self.path / self.BALLAST).unlink(missing_ok=True)

    def files(self) -> list[Path]:
        return sorted(
            path
            for path in self.path.rglob("*")
            if path.is_file() and path.name != self.BALLAST
        )


@pytest.fixture
def small_volume(tmp_path):
    """A 512 KiB tmpfs of the test's own (mounting needs root: skipped elsewhere,
    a failure in CI)."""
    path = tmp_path / "volume"
    path.mkdir()
    size = 512 * 1024
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        service_missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield SmallVolume(path, size)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def cards_drawn(monkeypatch):
    """Every share card drawn during the test, in order (the real renderer still
    draws them: core/cards.py)."""
    from core import cards

    drawn = []
    real = cards.card_render

    def record(card):
        drawn.append(card)
        return real(card)

    monkeypatch.setattr(cards, "card_render", record)
    return drawn


@pytest.fixture
def outbox_dir(settings, tmp_path):
    """A fresh file outbox for tests that read mail the way a user would."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


def pytest_report_header(config):
    lines = [f"database: {settings.DATABASES['default']['ENGINE']}"]
    lines.append(
        f"redis: {settings.REDIS_URL or 'not set (embedded broker, locmem cache)'}"
    )
    lines.append(f"services required: {REQUIRE_SERVICES}")
    lines.append(f"chromium: {shutil.which('chromium') or 'missing'}")
    return lines


# The browser fixtures (`browser`, `new_page`) for every test folder; imported last
# because tests/browser.py uses the helpers above.
from tests.browser import browser, new_page  # noqa: E402, F401
from tests.s3 import s3_endpoint, s3_private  # noqa: E402, F401


def race(workers, *, timeout: float = 60):
    """Run the callables at the same moment, each in its own thread/connection."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", work())
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
