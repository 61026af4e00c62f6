"""Faults under load: the production shape on loopback, mixed traffic, a schedule of
failures, and at the end an account of every upload the site accepted.

    .venv/bin/python bench/chaos.py                  # 180 s of traffic
    .venv/bin/python bench/chaos.py --seconds 90     # a shorter schedule, same faults

The shape: gunicorn (2 processes, 4 threads), PostgreSQL (database kh_chaos, dropped
and created), two redis-servers of its own on spare ports (the broker with AOF and
noeviction, the cache with allkeys-lru: docs/deploy.md's two roles), two
Celery workers (transcode: 1 process; notices and celery: 2 processes), celery beat,
and the private bucket on a moto S3 server reached through a TCP proxy in this
script. DEBUG is off, connections are kept (CONN_MAX_AGE=60), the daily entry limit
and the upload rate limit are lifted so participants can keep sending, and the
sweeps run every 10 s (VIDEO_STUCK_AFTER_SECONDS, NOTICE_SWEEP_AFTER_SECONDS and
VIDEO_ORPHAN_AFTER_SECONDS 40; the orphan sweep too).

The traffic is bench/load.py's: visitors (home, stories, an episode, the gallery,
an entry, its video and poster), participants uploading small generated clips
through the real submit form, one moderator pressing "Approve & next" in the admin;
and --leavers participants who take their entry back within 0-6 s of uploading it,
while it waits for, goes through or has just left the transcode: every other time by withdrawing
it (the withdraw form), else by deleting their whole account (the delete-account
form), then going on with the next of their accounts.

The faults, at fractions of --seconds (at 180 s: the times in brackets):
  - SIGKILL the transcode worker's whole process group every 1/6 (30 s), as a host
    killing it would; started again at once, as a supervisor would;
  - the broker's Redis SIGKILLed and started again on its folder after 3 s (at
    22 s, while the transcode worker killed at 20 s is still away, so uploads wait
    in its queue): the queued tasks must come back from its AOF (the queue lengths
    before and after are printed);
  - every PostgreSQL connection of the site terminated (pg_terminate_backend, 90 s);
  - the cache's Redis killed and started again after 3 s (at 100 s): cache gone;
  - the storage unreachable for 10 s (the proxy stops listening and drops every
    open connection, 120-130 s);
  - PostgreSQL stopped for 30 s (at 1/4: 45-75 s): the site, the workers and beat
    reach it through a TCP proxy in this script, which stops listening and drops
    every open connection, as a stopped server would; PostgreSQL itself keeps
    running for anyone else on the machine.

At the end, once the sweeps have had time to run (bounded), it prints:
  - uploads accepted (answered 200) and where each ended: waiting for review,
    approved, or failed with a reason a retry cannot fix; anything else is lost or
    stuck (goal 0 each);
  - entries processed twice (two "processing -> pending_review" events, goal 0) and
    decision mails sent twice (same entry, same recipient, goal 0);
  - objects in the bucket no live video refers to (orphans, goal 0), files of
    deleted videos (withdrawn, or of a deleted account: goal 0), withdrawn entries
    whose video is not a tombstone and deleted accounts still there (goal 0 each);
  - every error a client saw, in the window of the fault it fell in or outside
    all of them (goal for 5xx outside: 0), and the time each dependency took to
    answer /healthz as "ok" again;
  - while the database was stopped: errors on the anonymous visitors' pages (home,
    stories, episode, gallery, entry: goal 0, they come from their kept copies) and
    answers other than 503 anywhere else (goal 0).
Only 127.0.0.1 is contacted.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from harness import (  # noqa: E402  (bench/harness.py)
    PYTHON,
    Server,
    bench_env,
    free_port,
    header,
    manage,
    stop_session,
)
from load import (  # noqa: E402  (bench/load.py)
    PASSWORD,
    SETUP,
    Session,
    Worker,
    client_threads,
    csrf_of,
    fresh_database,
    log_in,
    run_python,
    upload,
)
from proxy import TcpProxy  # noqa: E402  (bench/proxy.py)

DATABASE = os.environ.get("BENCH_CHAOS_DATABASE", "kh_chaos")
BUCKET = "kh-chaos-private"
GRACE = 2.0  # s: requests already in flight when a dependency came back
SWEEP_EVERY = 10
STUCK_AFTER = 40


# --- the parts the faults hit -------------------------------------------------------


class RedisServer:
    """A redis-server of the run's own, in a folder of its own, which can be killed
    and started again on the same folder. The two roles of docs/deploy.md: the
    broker (AOF, fsync every second, never evicts) and the cache (nothing
    persisted, evicts the least recently used keys)."""

    ROLES = {
        "broker": ["--appendonly", "yes", "--appendfsync", "everysec",
                   "--maxmemory-policy", "noeviction"],
        "cache": ["--appendonly", "no", "--maxmemory", "64mb",
                  "--maxmemory-policy", "allkeys-lru"],
    }  # fmt: skip

    def __init__(self, data_dir: Path, role: str):
        self.role = role
        self.port = free_port()
        folder = data_dir / f"redis-{role}"
        folder.mkdir()
        self.command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--dir", str(folder), *self.ROLES[role],
        ]  # fmt: skip
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def queued(self) -> int:
        """Messages waiting in the queues (the broker's lists)."""
        import redis

        client = redis.Redis(port=self.port, socket_timeout=2)
        try:
            return sum(client.llen(q) for q in ("transcode", "notices", "celery"))
        except redis.RedisError:
            return -1
        finally:
            client.close()

    def start(self):
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, start_new_session=True
        )
        wait_until(lambda: port_answers(self.port), 10, "redis-server")

    def kill(self):
        self.process.kill()
        self.process.wait()


class StorageServer:
    """moto's S3 server in its own process, behind a TCP proxy that can be cut
    (refused, as a storage that does not answer)."""

    def __init__(self, log: Path):
        moto_port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: port_answers(moto_port), 30, "moto server")
        self.proxy = TcpProxy("127.0.0.1", moto_port)
        self.port = self.proxy.port
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proxy.close()
        self.process.kill()
        self.process.wait()


class DatabaseProxy(TcpProxy):
    """PostgreSQL (127.0.0.1:5432) behind the proxy: `cut(refuse=True)` and
    `restore()` stop and start the database as the site sees it."""

    def __init__(self):
        super().__init__("127.0.0.1", 5432)

    def route(self, url: str) -> str:
        return url.replace("127.0.0.1:5432", f"127.0.0.1:{self.port}", 1)


class Supervised:
    """A Celery worker started again whenever it exits, as systemd's Restart=always
    would (docs/deploy.md): killed by the schedule or fallen over by itself."""

    def __init__(self, env, log: Path, name: str, **worker):
        self.env, self.log, self.name, self.worker = env, log, name, worker
        self.lock = threading.Lock()
        self.exits: list[tuple[float, int]] = []  # (when, exit status)
        self.process = self._start()
        self.stopping = False
        threading.Thread(target=self._supervise, daemon=True).start()

    def _start(self):
        return Worker(self.env, self.log, name=self.name, **self.worker).process

    def ready_count(self) -> int:
        return self.log.read_text(errors="replace").count(" ready.")

    def _supervise(self):
        while not self.stopping:
            with self.lock:
                status = self.process.poll()
                if status is not None and not self.stopping:
                    self.exits.append((time.monotonic(), status))
                    self.process = self._start()
            time.sleep(0.1)

    def kill(self) -> int:
        """SIGKILL the whole process group (the supervisor starts it again); the
        ready count before."""
        before = self.ready_count()
        with self.lock:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return before

    def stop(self):
        self.stopping = True
        with self.lock:
            stop_session(self.process, timeout=30)


def beat(env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def terminate_backends() -> int:
    import psycopg

    with psycopg.connect(
        "postgres://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DATABASE],
        ).fetchall()
    return len(rows)


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


# --- what happened when -------------------------------------------------------------


@dataclass
class Fault:
    name: str
    dependency: str  # the /healthz check it takes down, or "worker"
    started: float
    ended: float | None = None  # the dependency answers again
    notes: list[str] = field(default_factory=list)

    def covers(self, start: float, end: float) -> bool:
        return (
            self.ended is not None
            and start <= self.ended + GRACE
            and end >= self.started
        )


class Timeline:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[float, float, str, bool, str]] = []
        self.health: list[tuple[float, dict]] = []
        self.faults: list[Fault] = []

    def record(self, kind, elapsed, good, detail):
        now = time.monotonic()
        with self.lock:
            self.requests.append((now - elapsed, now, kind, good, detail))

    def watch_health(self, port: int, stop: threading.Event):
        session = Session(port, lambda *args: None)
        while not stop.is_set():
            response, data = session.request("health", "GET", "/healthz", ok=(200, 503))
            checks = {}
            if response is not None:
                with contextlib.suppress(ValueError):
                    checks = {
                        name: value["ok"]
                        for name, value in json.loads(data)["checks"].items()
                    }
            with self.lock:
                self.health.append((time.monotonic(), checks))
            time.sleep(0.25)

    def healthy_after(self, dependency: str, since: float) -> float | None:
        """When /healthz first said `dependency` was ok after having said it was
        down (or, if it never said down, its first ok after `since`)."""
        with self.lock:
            samples = [(t, c) for t, c in self.health if t >= since and c]
        seen_down = any(not c.get(dependency, True) for _, c in samples)
        down = False
        for t, checks in samples:
            ok = checks.get(dependency, False)
            if not ok:
                down = True
            elif down or not seen_down:
                return t
        return None


# --- the run ------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--visitors", type=int, default=4)
    parser.add_argument("--participants", type=int, default=6)
    parser.add_argument("--pause", type=float, default=6, help="between uploads (s)")
    parser.add_argument(
        "--leavers", type=int, default=2, help="participants who take entries back"
    )
    parser.add_argument("--keep", action="store_true", help="keep DATA_DIR")
    args = parser.parse_args()

    header("bench/chaos.py", server=False)
    data_dir = Path(tempfile.mkdtemp(prefix="kh-chaos-"))
    broker = RedisServer(data_dir, "broker")
    cache = RedisServer(data_dir, "cache")
    storage = StorageServer(data_dir / "moto.log")
    database = DatabaseProxy()
    workers: list[Supervised] = []
    beat_process = None
    try:
        env = bench_env(
            data_dir,
            {
                "DATABASE_URL": database.route(fresh_database(DATABASE)),
                "REDIS_BROKER_URL": broker.url,
                "REDIS_CACHE_URL": cache.url,
                "CONN_MAX_AGE": "60",
                "CACHE_KEY_PREFIX": "khchaos",
                "S3_ENDPOINT_URL": storage.url,
                "S3_PRIVATE_BUCKET": BUCKET,
                "S3_ACCESS_KEY_ID": "chaos",
                "S3_SECRET_ACCESS_KEY": "chaos",
                "CHALLENGE_DAILY_ENTRY_LIMIT": "100000",
                "RATE_LIMIT_UPLOAD": "100000/h/user",
                "VIDEO_SWEEP_EVERY_SECONDS": str(SWEEP_EVERY),
                "VIDEO_STUCK_AFTER_SECONDS": str(STUCK_AFTER),
                "NOTICE_SWEEP_EVERY_SECONDS": str(SWEEP_EVERY),
                "NOTICE_SWEEP_AFTER_SECONDS": str(STUCK_AFTER),
                "VIDEO_ORPHAN_SWEEP_EVERY_SECONDS": str(SWEEP_EVERY),
                "VIDEO_ORPHAN_AFTER_SECONDS": str(STUCK_AFTER),
            },
        )
        import boto3

        boto3.client(
            "s3",
            endpoint_url=storage.url,
            region_name="us-east-1",
            aws_access_key_id="chaos",
            aws_secret_access_key="chaos",  # noqa: S106  (moto, loopback)
        ).create_bucket(Bucket=BUCKET)
        started = time.monotonic()
        manage(env, "migrate")
        manage(env, "collectstatic", "--noinput")
        manage(env, "compiletranslations")
        # INFO: the workers' "ready." line tells when a restarted one is back.
        worker_env = {**env, "LOG_LEVEL": "INFO"}
        workers = [
            Supervised(
                worker_env, data_dir / "transcode.log", "transcode",
                queues="transcode", concurrency=1, loglevel="INFO",
            ),
            Supervised(
                worker_env, data_dir / "notices.log", "notices",
                queues="notices,celery", concurrency=2, loglevel="INFO",
            ),
        ]  # fmt: skip
        manage(env, "demo_content")
        run_python(env, SETUP.format(participants=args.participants, password=PASSWORD))
        run_python(
            env,
            LEAVERS.format(accounts=args.leavers * LEAVER_ACCOUNTS, password=PASSWORD),
        )
        beat_process = beat(env, data_dir / "beat.log")
        from videos.clips import make_clip

        clip = make_clip(
            data_dir / "clip.mp4", seconds=2, width=160, height=288, fps=12
        ).read_bytes()
        print(
            f"setup: {time.monotonic() - started:.0f} s (PostgreSQL {DATABASE}, "
            f"behind a proxy on port {database.port}, Redis broker on port "
            f"{broker.port} (AOF) and cache on {cache.port}, S3 (moto) behind a proxy "
            f"on port {storage.port}, DATA_DIR {data_dir})",
            flush=True,
        )
        with Server(
            env, workers=2, threads=4, cores="", log=data_dir / "gunicorn.log"
        ) as server:
            timeline = Timeline()
            results = traffic(
                server.port, args, clip, timeline, workers[0], (broker, cache),
                storage, database,
            )  # fmt: skip
            audit = settle(env, results["entry_ids"], results["left"], timeline)
        report(results, audit, timeline, args, workers)
        print(f"logs: {data_dir}" if args.keep else "", end="")
    finally:
        if beat_process is not None:
            stop_session(beat_process, timeout=30)
        for worker in workers:
            worker.stop()
        storage.stop()
        database.close()
        broker.kill()
        cache.kill()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


# The /healthz check each fault takes down ("worker": none; its "ready." line).
DEPENDENCY = {
    "kill worker": "worker",
    "restart broker redis": "broker",
    "restart cache redis": "cache",
    "terminate database connections": "database",
    "cut storage": "storage",
    "stop database": "database",
}
# What a visitor without an account reads: served from the pages' kept copies while
# the database is stopped (bench/load.py's kinds; "media" needs the database).
ANONYMOUS_PAGES = {"page", "gallery"}


def database_stop_seconds(seconds: float) -> float:
    return min(30.0, seconds / 6)


# Accounts made for each leaver: one is deleted every other upload.
LEAVER_ACCOUNTS = 40
LEAVERS = """
import django; django.setup()
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from challenge.models import Participant
User = get_user_model()
for n in range({accounts}):
    user = User.objects.create_user(username=f"leave{{n}}", email=f"leave{{n}}@example.org",
        password={password!r})
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Participant.objects.create(user=user, handle=f"leave_{{n}}", birth_year=1995,
        birth_month=5, country="FR", language="en")
"""


def leaver(port, record, number, stop_at, clip, left, lock, pause):
    """Upload, wait 0-6 s (the entry waits for the transcode, is in it or past it), look at
    its state as the upload page does, then take it back: withdraw it, or (every
    other time) delete the account and carry on with the next one."""
    import random

    rng = random.Random(number)
    accounts = range(number * LEAVER_ACCOUNTS, (number + 1) * LEAVER_ACCOUNTS)
    turn = 0
    for account in accounts:
        session = Session(port, record)
        # A person whose log-in failed (a fault) tries again a little later, with
        # the same account: never a burst of log-ins the rate limit would refuse.
        while not log_in(session, f"leave{account}@example.org"):
            if time.monotonic() >= stop_at:
                return
            time.sleep(pause)
        while time.monotonic() < stop_at:
            answer = upload(session, f"Kindness I may take back {account}", clip)
            if answer is None:
                time.sleep(pause)
                continue
            entry_id = answer["entry"]["id"]
            time.sleep(rng.uniform(0, 6))
            _, status = session.request("status", "GET", answer["status_url"])
            try:
                seen = json.loads(status)["state"]
            except ValueError:
                seen = "?"
            turn += 1
            if turn % 2:
                path = f"/en/challenge/entries/{entry_id}/withdraw/"
                _, page = session.request("leave", "GET", path)
                response, _ = session.form_post(
                    "leave", path, {"csrfmiddlewaretoken": csrf_of(page)}
                )
                kind = "withdraw"
            else:
                path = "/en/challenge/my-data/delete-account/"
                _, page = session.request("leave", "GET", path)
                response, _ = session.form_post(
                    "leave",
                    path,
                    {
                        "csrfmiddlewaretoken": csrf_of(page),
                        "password": PASSWORD,
                        "confirm": "on",
                    },
                )
                kind = "delete account"
            done = response is not None and response.status == 302
            with lock:
                left.append((kind, entry_id, f"leave{account}", seen, done))
            time.sleep(pause / 2)
            if kind == "delete account":
                break
        if time.monotonic() >= stop_at:
            return


def schedule(seconds: float) -> list[tuple[float, str]]:
    kills = [(seconds * n / 6 - seconds / 18, "kill worker") for n in range(1, 7)]
    return sorted(
        kills
        + [
            # 2 s after the first worker kill: transcodes wait in the broker's queue
            # then, and must come back from its AOF.
            (seconds / 9 + 2, "restart broker redis"),
            # Between the broker's restart and the terminated connections: on a
            # short run too, before the storage cut's 10 s run past the traffic's end.
            (seconds / 4, "stop database"),
            (seconds / 2, "terminate database connections"),
            (seconds * 5 / 9, "restart cache redis"),
            (seconds * 2 / 3, "cut storage"),
        ]
    )


def run_faults(
    stop_at, began, timeline, transcode, redis_servers, storage, seconds, database
):
    broker, cache = redis_servers
    for at, name in schedule(seconds):
        delay = began + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > stop_at:
            return
        fault = Fault(name, DEPENDENCY[name], time.monotonic())
        timeline.faults.append(fault)
        if name == "kill worker":
            before = transcode.kill()
            threading.Thread(
                target=_when_ready, args=(fault, transcode, before), daemon=True
            ).start()
        elif name == "restart broker redis":
            before = broker.queued()
            broker.kill()  # SIGKILL: what the AOF has is all there is
            time.sleep(3)
            broker.start()
            fault.notes.append(
                f"{before} queued before the kill, {broker.queued()} after"
            )
        elif name == "restart cache redis":
            cache.kill()
            time.sleep(3)
            cache.start()
        elif name == "terminate database connections":
            fault.notes.append(f"{terminate_backends()} connections terminated")
        elif name == "cut storage":
            storage.proxy.cut(refuse=True)
            time.sleep(10)
            storage.proxy.restore()
        elif name == "stop database":
            database.cut(refuse=True)
            time.sleep(database_stop_seconds(seconds))
            database.restore()


def _when_ready(fault: Fault, worker: Supervised, before: int):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.ready_count() > before:
            fault.ended = time.monotonic()
            return
        time.sleep(0.1)


def traffic(
    port, args, clip, timeline, transcode, redis_servers, storage, database
) -> dict:
    entry_ids: list[int] = []
    approved: list[str] = []
    stop_at = time.monotonic() + args.seconds
    threads = client_threads(
        port,
        timeline.record,
        stop_at,
        args,
        clip,
        entry_ids,
        approved,
        uploads=100_000,
        signed_media=True,
    )
    left: list[tuple] = []
    lock = threading.Lock()
    threads += [
        threading.Thread(
            target=leaver,
            args=(port, timeline.record, n, stop_at, clip, left, lock, args.pause),
            daemon=True,
        )
        for n in range(args.leavers)
    ]
    stop_health = threading.Event()
    health = threading.Thread(
        target=timeline.watch_health, args=(port, stop_health), daemon=True
    )
    began = time.monotonic()
    health.start()
    for thread in threads:
        thread.start()
    run_faults(
        stop_at, began, timeline, transcode, redis_servers, storage, args.seconds,
        database,
    )  # fmt: skip
    for thread in threads:
        thread.join(timeout=args.seconds + 120)
    elapsed = time.monotonic() - began
    # The dependencies' recovery, read off /healthz (which keeps being watched).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for fault in timeline.faults:
            if fault.ended is None and fault.dependency != "worker":
                fault.ended = timeline.healthy_after(fault.dependency, fault.started)
        if all(fault.ended is not None for fault in timeline.faults):
            break
        time.sleep(0.5)
    stop_health.set()
    return {
        "entry_ids": entry_ids,
        "left": left,
        "approved": approved,
        "elapsed": elapsed,
        "began": began,
        "threads": len(threads),
    }


# --- the account at the end ----------------------------------------------------------

AUDIT = """
import django, json, sys; django.setup()
from collections import Counter
from pathlib import Path
import boto3
from django.conf import settings
from challenge.models import Entry, EntryEvent, GuardianNotice, ModerationNotice
from django.contrib.auth import get_user_model
from videos.models import Video
given = json.loads(sys.stdin.read())
ids = given["ids"]
def last_reason(entry):
    return EntryEvent.objects.filter(entry=entry).order_by("-pk").values_list(
        "reason", flat=True).first() or ""
rows = {str(e.pk): [e.state, last_reason(e), e.video.failure_code if e.video_id else "",
                    e.video.attempts if e.video_id else 0]
        for e in Entry.objects.filter(pk__in=ids).select_related("video")}
processed = Counter(EntryEvent.objects.filter(
    from_state="processing", to_state="pending_review").values_list("entry_id", flat=True))
busy = Video.objects.filter(status__in=["pending", "processing"]).count()
unsent = (ModerationNotice.objects.filter(sent_at__isnull=True).count()
          + GuardianNotice.objects.filter(sent_at__isnull=True).count())
mails = Counter()
for path in Path(settings.EMAIL_FILE_PATH).glob("*.log"):
    for message in path.read_text(errors="replace").split("-" * 79):
        to = next((l[4:] for l in message.splitlines() if l.startswith("To: ")), "")
        subject = next((l for l in message.splitlines() if l.startswith("Subject: ")), "")
        for entry_id in set(__import__("re").findall(r"/gallery/(\\d+)/", message)):
            mails[(to, subject, entry_id)] += 1
s3 = boto3.client("s3", endpoint_url=settings.S3_ENDPOINT_URL, region_name="us-east-1",
    aws_access_key_id="chaos", aws_secret_access_key="chaos")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.S3_PRIVATE_BUCKET):
    keys += [item["Key"] for item in page.get("Contents", [])]
named, folders = set(), []
for video in Video.objects.exclude(status=Video.Status.DELETED):
    for f in (video.source, video.output, video.poster):
        if f:
            named.add(f.name)
    if video.stream:
        folders.append(video.stream.name.rsplit("/", 1)[0] + "/")
orphans = [k for k in keys if k not in named and not k.startswith(tuple(folders))]
# What the leavers took back: withdrawn entries keep their row (state withdrawn, the
# video a tombstone); a deleted account leaves nothing of its own.
live = {str(pk) for pk in Video.objects.exclude(status=Video.Status.DELETED)
        .values_list("pk", flat=True)}
deleted_files = [k for k in keys if k.startswith("videos/") and k.split("/")[1] not in live]
withdrawn = {e.pk: e for e in Entry.objects.filter(
    pk__in=[row[1] for row in given["left"] if row[0] == "withdraw" and row[4]]).select_related("video")}
not_withdrawn = [pk for pk, e in withdrawn.items() if e.state != "withdrawn"
                 or (e.video_id and e.video.status != Video.Status.DELETED)]
withdrawn_from = Counter(EntryEvent.objects.filter(
    entry_id__in=list(withdrawn), to_state="withdrawn").values_list("from_state", flat=True))
gone = [row[2] for row in given["left"] if row[0] == "delete account" and row[4]]
accounts_left = list(get_user_model().objects.filter(username__in=gone)
                     .values_list("username", flat=True))
tombstones = Video.objects.filter(status=Video.Status.DELETED).count()
print(json.dumps({"rows": rows, "busy": busy, "unsent": unsent,
    "twice": sum(1 for n in processed.values() if n > 1),
    "mails": len(mails), "mails_twice": sum(1 for n in mails.values() if n > 1),
    "keys": len(keys), "orphans": orphans[:20], "orphan_count": len(orphans),
    "deleted_files": deleted_files[:20], "deleted_file_count": len(deleted_files),
    "not_withdrawn": not_withdrawn, "withdrawn_from": withdrawn_from,
    "withdrawn_kept": len(withdrawn),
    "accounts_left": accounts_left, "tombstones": tombstones}))
"""


def settle(env, entry_ids: list[int], left: list, timeline: Timeline) -> dict:
    """Wait (bounded) until no video is waiting, every notice went out and no
    object is an orphan: the sweeps re-send what a fault lost, and the orphan sweep
    deletes what it left in the bucket, STUCK_AFTER s later."""
    started = time.monotonic()
    deadline = started + 4 * STUCK_AFTER + 120
    while True:
        given = json.dumps({"ids": entry_ids, "left": left})
        audit = json.loads(run_python(env, AUDIT, given))
        settled = audit["busy"] == 0 and audit["unsent"] == 0
        clean = audit["orphan_count"] == 0 and audit["deleted_file_count"] == 0
        if (settled and clean) or time.monotonic() > deadline:
            break
        time.sleep(3)
    audit["settle_seconds"] = time.monotonic() - started
    return audit


SETTLED = {"pending_review", "approved"}
# Failures a retry could fix (gave up after attempts, ran out of time): the clips
# sent here are all good, so any failure at all is worth reading in the output.
RETRYABLE_FAILURES = {"internal", "timeout", "unprocessable", ""}


def report(results, audit, timeline: Timeline, args, workers):
    began = results["began"]
    print(
        f"traffic: {results['elapsed']:.0f} s, {results['threads']} clients "
        f"({args.visitors} visitors, {args.participants} participants, 1 moderator); "
        f"gunicorn 2 x 4 threads, transcode worker 1 process, notices worker 2"
    )
    print("faults (s from the start; back = /healthz ok again, or the worker ready):")
    for fault in timeline.faults:
        back = (
            f"back after {fault.ended - fault.started:.1f} s"
            if fault.ended is not None
            else "NOT BACK"
        )
        notes = f" ({'; '.join(fault.notes)})" if fault.notes else ""
        print(f"  {fault.started - began:6.1f}  {fault.name:<32}{back}{notes}")

    for worker in workers:
        killed = -9 if worker.name == "transcode" else None
        others = [
            f"{when - began:.0f} s (exit {status})"
            for when, status in worker.exits
            if status != killed
        ]
        print(
            f"  {worker.name} worker: {len(worker.exits)} restarts"
            + (f"; exited by itself at {', '.join(others)}" if others else "")
        )

    windows: dict[str, Counter] = {}
    outside = Counter()
    details: dict[str, Counter] = {}
    with timeline.lock:
        requests = list(timeline.requests)
    for start, end, kind, good, detail in requests:
        if good:
            continue
        status = detail.split(" ", 1)[0]
        family = "5xx" if status.startswith("5") or status == "connection" else status
        where = next(
            (f"{f.name} at {f.started - began:.0f} s" for f in timeline.faults
             if f.covers(start, end)),
            "outside every fault",
        )  # fmt: skip
        bucket = (
            outside
            if where == "outside every fault"
            else windows.setdefault(where, Counter())
        )
        bucket[family] += 1
        details.setdefault(where, Counter())[f"{kind} {detail}"[:90]] += 1
    print(f"requests: {len(requests)}, errors by window (5xx = 5xx or dropped):")
    for fault in timeline.faults:
        where = f"{fault.name} at {fault.started - began:.0f} s"
        print(f"  {where:<44}{dict(windows.get(where, {})) or 'none'}")
    print(f"  {'outside every fault':<44}{dict(outside) or 'none'}")
    for where, counter in details.items():
        for line, count in counter.most_common(4):
            print(f"    {where}: {count} x {line}")

    stopped = database_stop_errors(requests, timeline.faults)
    if stopped is not None:
        public, not_503 = stopped
        print(
            f"while the database was stopped: {sum(public.values())} errors on "
            f"anonymous pages (goal 0), {sum(not_503.values())} answers other than "
            f"503 elsewhere (goal 0)"
        )
        for line, count in (public + not_503).most_common(6):
            print(f"    {count} x {line}")
    else:
        public, not_503 = Counter(), Counter()
        print("the database was not stopped: the run ended first (GOALS NOT MET)")

    rows = audit["rows"]
    counts = Counter()
    lost, stuck, retryable = [], [], []
    for entry_id in results["entry_ids"]:
        row = rows.get(str(entry_id))
        if row is None:
            lost.append(entry_id)
            continue
        state, reason, failure, _attempts = row
        counts[state] += 1
        if state in SETTLED:
            continue
        if state == "failed" and failure not in RETRYABLE_FAILURES:
            continue
        (retryable if state == "failed" else stuck).append((entry_id, state, failure))
    attempts = Counter(row[3] for row in rows.values())
    print(
        f"uploads accepted: {len(results['entry_ids'])}, decisions: "
        f"{len(results['approved'])}; final states {dict(counts)}; "
        f"transcode attempts {dict(sorted(attempts.items()))}"
    )
    print(
        f"settled in {audit['settle_seconds']:.0f} s after the traffic: "
        f"videos still waiting {audit['busy']}, notices unsent {audit['unsent']}"
    )
    print(
        f"lost {len(lost)}, stuck {len(stuck)}, failed but retryable "
        f"{len(retryable)}, processed twice {audit['twice']}, "
        f"decision mails {audit['mails']} (sent twice {audit['mails_twice']}), "
        f"objects {audit['keys']} (orphans {audit['orphan_count']})"
    )
    for name, items in (("lost", lost), ("stuck", stuck), ("retryable", retryable)):
        if items:
            print(f"  {name}: {items[:10]}")
    if audit["orphans"]:
        print(f"  orphans: {audit['orphans'][:10]}")
    left = results["left"]
    taken = Counter(row[0] for row in left if row[-1])
    refused = [row for row in left if not row[-1]]
    seen = Counter(row[3] for row in left)
    print(
        f"taken back: {len(left)} entries ({dict(taken)}; answered otherwise "
        f"{len(refused)}), their state just before: {dict(seen)}; of the withdrawn, "
        f"{audit['withdrawn_kept']} still have their row (the others went with their "
        f"account), withdrawn from {dict(audit['withdrawn_from'])}; files of deleted videos left "
        f"{audit['deleted_file_count']}, withdrawn but not a tombstone "
        f"{len(audit['not_withdrawn'])}, deleted accounts still there "
        f"{len(audit['accounts_left'])}; tombstones kept {audit['tombstones']}"
    )
    for name, items in (
        ("files of deleted videos", audit["deleted_files"]),
        ("not withdrawn", audit["not_withdrawn"]),
        ("accounts left", audit["accounts_left"]),
        ("answered otherwise (a fault's window)", refused),
    ):
        if items:
            print(f"  {name}: {items[:10]}")
    clean = not (
        lost or stuck or retryable or audit["twice"] or audit["mails_twice"]
        or audit["orphan_count"] or outside.get("5xx") or audit["busy"]
        or audit["unsent"] or audit["deleted_file_count"] or audit["not_withdrawn"]
        or audit["accounts_left"] or public or not_503 or stopped is None
    )  # fmt: skip
    print(
        "ALL GOALS MET: 0 lost, 0 stuck, 0 twice, 0 orphans, 0 files of deleted "
        "videos, 0 5xx outside the faults, only 503s and no error on anonymous "
        "pages while the database was stopped"
        if clean
        else "GOALS NOT MET (see above)"
    )


def database_stop_errors(requests, faults) -> tuple[Counter, Counter] | None:
    """While the database was stopped (and GRACE after): the failed requests for
    anonymous pages, and the other failures that were not a 503 (a 500, a dropped
    connection). None when the run had no such fault."""
    stops = [fault for fault in faults if fault.name == "stop database"]
    if not stops:
        return None
    public, not_503 = Counter(), Counter()
    for start, end, kind, good, detail in requests:
        if good or not any(fault.covers(start, end) for fault in stops):
            continue
        line = f"{kind} {detail}"[:90]
        if kind in ANONYMOUS_PAGES:
            public[line] += 1
        elif not detail.startswith("503 "):
            not_503[line] += 1
    return public, not_503


if __name__ == "__main__":
    main()
