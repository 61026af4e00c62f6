"""A bounded load test of the whole site on loopback: real gunicorn, PostgreSQL,
Redis and one Celery worker, with visitors, participants and a moderator at once.

    .venv/bin/python bench/load.py                 # 60 s of traffic
    .venv/bin/python bench/load.py --seconds 20 --visitors 4 --participants 3

1. Creates a fresh PostgreSQL database (kh_load, dropped first if it exists) and a
   DATA_DIR in /tmp, uses Redis database 12 (flushed) as broker and cache, migrates,
   collects static files and loads the demo content (campaign, six episodes with
   videos, the demo gallery), then makes participants with confirmed emails and a
   moderator in the Moderators group.
2. Starts gunicorn (DJANGO_DEBUG=0, one worker per core, 4 threads each) and one
   Celery worker (prefork, 2 processes) on every queue.
3. For --seconds, a pool of client threads (stdlib http.client, keep-alive, own
   cookies each) sends mixed traffic:
   - visitors: home, stories list, an episode, the gallery, its next page (the real
     "More entries" cursor link), an entry page, and a ranged request of its video
     and its poster (/v/...), in a loop;
   - participants: log in through allauth's form, then upload small generated clips
     through the real submit form (CSRF token and submission token taken from the
     form, multipart POST as upload.js sends it), at most --uploads each (the
     site accepts CHALLENGE_DAILY_ENTRY_LIMIT = 5 entries a day per participant and
     answers 403 beyond it, so the default stays at 5);
   - one moderator: logs into the admin, opens the queue, opens the first entry
     waiting and presses "Approve & next" down the queue, like a person would.
4. Stops the traffic, waits for the worker to drain (bounded), and checks every
   upload: each must end waiting for review, approved, or failed with a reason
   (otherwise it counts as lost).
5. Compares the visitors' pages (home, gallery, an entry, an episode) with the
   trivial view /bench/ping through bench/harness.py: wrk, alternated runs, the
   median ratio and its min-max.
Prints requests per second, p50/p95 per kind, errors (goal 0), entries lost
(goal 0), the page ratios, and last whether their spread stayed within ±15 %.
gunicorn runs on its own core and the client threads on the other (taskset), as
in bench/gallery.py. BENCH_LOAD_DATABASE (default kh_load, dropped and created)
and BENCH_LOAD_REDIS_URL (default redis://127.0.0.1:6379/12, flushed) choose
where it writes. Only 127.0.0.1 is contacted.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from harness import (  # noqa: E402  (bench/harness.py)
    PYTHON,
    Server,
    bench_env,
    compare,
    cpu_split,
    header,
    manage,
    verdict,
)

PASSWORD = "load-Test-passw0rd-42"  # noqa: S105  (throwaway accounts, loopback)
DATABASE = os.environ.get("BENCH_LOAD_DATABASE", "kh_load")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/12")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- setup -----------------------------------------------------------------------


def fresh_database(name: str = DATABASE) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


SETUP = """
import django; django.setup()
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from challenge.models import Participant
User = get_user_model()
for n in range({participants}):
    user = User.objects.create_user(
        username=f"load{{n}}", email=f"load{{n}}@example.org", password={password!r})
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Participant.objects.create(user=user, handle=f"load_{{n}}", birth_year=1995,
        birth_month=5, country="FR", language="en")
moderator = User.objects.create_user(username="loadmod", email="loadmod@example.org",
    password={password!r}, is_staff=True)
moderator.groups.add(Group.objects.get(name="Moderators"))
"""

CHECK = """
import django, json, sys; django.setup()
from challenge.models import Entry, EntryEvent
def reason(e):
    return EntryEvent.objects.filter(entry=e).order_by("-pk").values_list(
        "reason", flat=True).first() or ""
ids = json.loads(sys.stdin.read())
rows = {{str(e.pk): [e.state, reason(e), e.video.failure_detail if e.video_id else ""]
        for e in Entry.objects.filter(pk__in=ids).select_related("video")}}
busy = Entry.objects.filter(state__in=["uploaded", "processing"]).count()
print(json.dumps({{"rows": rows, "busy": busy}}))
"""


def run_python(env, code: str, stdin: str = "") -> str:
    result = subprocess.run(
        [PYTHON, "-c", code],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class Worker:
    """A Celery worker (prefork) in its own session, its output appended to `log`."""

    def __init__(
        self,
        env,
        log: Path,
        *,
        queues: str = "celery,transcode,notices",
        concurrency: int = 2,
        name: str = "load",
        loglevel: str = "WARNING",
    ):
        self.log = log
        command = [
            PYTHON, "-m", "celery", "-A", "config", "worker",
            "--concurrency", str(concurrency),
            "--queues", queues,
            "--loglevel", loglevel,
            "--without-gossip", "--without-mingle",
            "-n", f"{name}-{os.getpid()}@%h",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- a tiny browser: keep-alive connection, cookies, CSRF --------------------------


class Session:
    def __init__(self, port: int, record):
        self.port = port
        self.record = record
        self.cookies: dict[str, str] = {}
        self.connection = None

    def _connect(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, kind, method, path, *, body=None, headers=None, ok=(200,)):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in range(2):
            if self.connection is None:
                self._connect()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt:
                    self.record(
                        kind, time.perf_counter() - started, False, "connection"
                    )
                    return None, b""
        elapsed = time.perf_counter() - started
        for header_name, value in response.getheaders():
            if header_name.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        good = response.status in ok
        self.record(kind, elapsed, good, f"{response.status} {method} {path}")
        return response, data

    def form_post(self, kind, path, fields, *, ok=(302,)):
        body = urlencode(fields)
        return self.request(
            kind,
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            ok=ok,
        )


def csrf_of(html: bytes) -> str:
    match = CSRF_INPUT.search(html.decode())
    return match.group(1) if match else ""


def multipart(fields: dict, file_field: str, filename: str, content: bytes):
    boundary = "----kindload" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: video/mp4\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the three kinds of users ------------------------------------------------------


def visitor(session: Session, stop_at: float, rounds: int, signed_media=False):
    """`signed_media`: videos and posters answer with a redirect to a signed URL
    (object storage), not with the bytes."""
    links = re.compile(r'href="(/en/(?:stories|gallery)/[^"]+)"')
    for _ in range(rounds):
        if time.monotonic() > stop_at:
            return
        session.request("page", "GET", "/en/")
        _, stories = session.request("page", "GET", "/en/stories/")
        episodes = [
            link
            for link in links.findall(stories.decode())
            if link.count("/") == 4 and "/stories/" in link
        ]
        if episodes:
            session.request("page", "GET", episodes[0])
        _, gallery = session.request("gallery", "GET", "/en/gallery/")
        html = gallery.decode()
        more = re.search(r'href="(/en/gallery/\?[^"]*cursor=[^"]+)"', html)
        if more:
            session.request("gallery", "GET", unescape(more.group(1)))
        entries = re.findall(r'href="(/en/gallery/\d+/)"', html)
        if not entries:
            continue
        _, page = session.request("gallery", "GET", entries[0])
        video = re.search(r'src="(/v/[0-9a-f-]{36}/video\.mp4)"', page.decode())
        poster = re.search(r'poster="(/v/[0-9a-f-]{36}/poster\.webp)"', page.decode())
        if video:
            session.request(
                "media",
                "GET",
                video.group(1),
                headers={"Range": "bytes=0-65535"},
                ok=(302,) if signed_media else (206,),
            )
        if poster:
            session.request(
                "media", "GET", poster.group(1), ok=(302,) if signed_media else (200,)
            )


def log_in(session: Session, email: str) -> bool:
    _, page = session.request("login", "GET", "/en/accounts/login/")
    response, _ = session.form_post(
        "login",
        "/en/accounts/login/",
        {"csrfmiddlewaretoken": csrf_of(page), "login": email, "password": PASSWORD},
    )
    return response is not None and response.status == 302


def upload(session: Session, caption: str, clip: bytes) -> dict | None:
    """One entry through the real submit form (the page's token, then the upload as
    its script sends it); the answer's JSON, or None when it was refused."""
    _, form = session.request("submit", "GET", "/en/challenge/submit/")
    token = re.search(r'name="submission_token" value="([^"]+)"', form.decode())
    fields = {
        "csrfmiddlewaretoken": csrf_of(form),
        "submission_token": token.group(1) if token else str(uuid.uuid4()),
        "caption": caption,
        "prompt": "moment",
        "language": "en",
        "accept_rules": "on",
        "accept_gallery": "on",
    }
    body, content_type = multipart(fields, "video", "kind.mp4", clip)
    response, data = session.request(
        "upload",
        "POST",
        "/en/challenge/submit/",
        body=body,
        headers={
            "Content-Type": content_type,
            "Accept": "application/json",
            "X-Requested-With": "XMLHttpRequest",
        },
    )
    if response is None or response.status != 200:
        return None
    answer = json.loads(data)
    return answer if "entry" in answer else None  # else sent to the kindness prompt


def participant(session, number, stop_at, uploads, clip, entry_ids, lock, pause):
    if not log_in(session, f"load{number}@example.org"):
        return
    for _ in range(uploads):
        if time.monotonic() > stop_at:
            return
        answer = upload(session, f"Load test kindness number {number} #kindness", clip)
        if answer is not None:
            with lock:
                entry_ids.append(answer["entry"]["id"])
        time.sleep(pause)


def moderator(session: Session, stop_at: float, approved: list):
    _, page = session.request("admin", "GET", "/en/admin/login/")
    session.form_post(
        "admin",
        "/en/admin/login/?next=/en/admin/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "username": "loadmod",
            "password": PASSWORD,
            "next": "/en/admin/",
        },
    )
    change = re.compile(r'href="(/en/admin/challenge/entry/(\d+)/change/[^"]*)"')
    while time.monotonic() < stop_at:
        _, queue = session.request("admin", "GET", "/en/admin/challenge/entry/")
        first = change.search(queue.decode())
        if not first:
            time.sleep(1)
            continue
        path = unescape(first.group(1))
        while path and time.monotonic() < stop_at + 5:
            _, page = session.request("admin", "GET", path)
            html = page.decode()
            action = re.search(
                r'action="(/en/admin/challenge/entry/\d+/decide/)"', html
            )
            if not action:
                break
            seen = re.search(r'name="seen_state" value="([^"]*)"', html)
            response, _ = session.form_post(
                "approve",
                action.group(1),
                {
                    "csrfmiddlewaretoken": csrf_of(page),
                    "seen_state": seen.group(1) if seen else "pending_review",
                    "decision": "approve_next",
                    "reason": "",
                    "note": "",
                },
            )
            if response is None:
                break
            approved.append(action.group(1))
            location = response.getheader("Location", "")
            path = urlsplit(location).path + (
                "?" + urlsplit(location).query if urlsplit(location).query else ""
            )
            if "/change/" not in path:
                path = None


# --- main ------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--visitors", type=int, default=6)
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument(
        "--uploads",
        type=int,
        default=5,
        help="per participant (the site accepts 5 a day each: more get a 403)",
    )
    parser.add_argument("--pause", type=float, default=4, help="between uploads (s)")
    parser.add_argument("--keep", action="store_true", help="keep DATA_DIR")
    parser.add_argument(
        "--pairs", type=int, default=5, help="A B pairs of the page figures"
    )
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    data_dir = Path(tempfile.mkdtemp(prefix="kh-load-"))
    header("bench/load.py")
    env = bench_env(
        data_dir,
        {
            "DATABASE_URL": fresh_database(),
            "REDIS_URL": REDIS_URL,
            "CONN_MAX_AGE": "60",
            "CACHE_KEY_PREFIX": "khload",
        },
    )
    started = time.monotonic()
    manage(env, "migrate")
    manage(env, "collectstatic", "--noinput")
    manage(env, "compiletranslations")
    worker = Worker(env, data_dir / "worker.log")
    try:
        manage(env, "demo_content")
        run_python(env, SETUP.format(participants=args.participants, password=PASSWORD))
        from videos.clips import make_clip

        clip = make_clip(
            data_dir / "clip.mp4", seconds=2, width=160, height=288, fps=12
        ).read_bytes()
        print(
            f"setup: {time.monotonic() - started:.0f} s (PostgreSQL {DATABASE}, "
            f"Redis {REDIS_URL}, DATA_DIR {data_dir}); clip {len(clip)} bytes"
        )
        with Server(env) as server:
            results = traffic(server.port, args, clip)
            report(env, results, args, server.workers)
            pages(server, args.pairs)
    finally:
        worker.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def client_threads(
    port,
    record,
    stop_at,
    args,
    clip,
    entry_ids,
    approved,
    *,
    uploads,
    signed_media=False,
) -> list[threading.Thread]:
    """The traffic's clients, not started: args.visitors visitors, args.participants
    participants (at most `uploads` each, args.pause apart) and one moderator, each
    with its own Session reporting to `record`."""
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=visitor,
            args=(Session(port, record), stop_at, 100_000, signed_media),
            daemon=True,
        )
        for _ in range(args.visitors)
    ]
    threads += [
        threading.Thread(
            target=participant,
            args=(
                Session(port, record),
                number,
                stop_at,
                uploads,
                clip,
                entry_ids,
                lock,
                args.pause,
            ),
            daemon=True,
        )
        for number in range(args.participants)
    ]
    threads.append(
        threading.Thread(
            target=moderator,
            args=(Session(port, record), stop_at, approved),
            daemon=True,
        )
    )
    return threads


def traffic(port: int, args, clip: bytes) -> dict:
    samples: dict[str, list[float]] = {}
    errors: dict[str, list[str]] = {}
    lock = threading.Lock()

    def record(kind, elapsed, good, detail):
        with lock:
            samples.setdefault(kind, []).append(elapsed)
            if not good:
                errors.setdefault(kind, []).append(detail)

    entry_ids: list[int] = []
    approved: list[str] = []
    stop_at = time.monotonic() + args.seconds
    threads = client_threads(
        port, record, stop_at, args, clip, entry_ids, approved, uploads=args.uploads
    )
    # The client threads share the wrk core, away from gunicorn (the Celery worker,
    # started earlier, keeps every core).
    client, _ = cpu_split()
    every_core = os.sched_getaffinity(0)
    if client:
        os.sched_setaffinity(0, {int(client)})
    began = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
    finally:
        os.sched_setaffinity(0, every_core)
    elapsed = time.monotonic() - began
    return {
        "samples": samples,
        "errors": errors,
        "entry_ids": entry_ids,
        "approved": approved,
        "elapsed": elapsed,
        "threads": len(threads),
    }


def report(env, results, args, workers):
    samples, errors = results["samples"], results["errors"]
    total = sum(len(values) for values in samples.values())
    print(
        f"traffic: {results['elapsed']:.1f} s, {results['threads']} client threads "
        f"({args.visitors} visitors, {args.participants} participants, 1 moderator), "
        f"gunicorn {workers} workers x 4 threads, 1 Celery worker (2 processes)"
    )
    print(f"requests: {total}, {total / results['elapsed']:.1f} per second")
    print(f"{'kind':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for kind in sorted(samples):
        values = sorted(samples[kind])
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(
            f"{kind:<10}{len(values):>7}{statistics.median(values) * 1000:>9.0f}"
            f"{p95 * 1000:>9.0f}{len(errors.get(kind, [])):>8}"
        )
    for kind, details in errors.items():
        print(f"  errors in {kind}: {sorted(set(details))[:5]}")

    # Wait for the worker to drain, then account for every upload.
    ids = results["entry_ids"]
    deadline = time.monotonic() + 180
    while True:
        state = json.loads(run_python(env, CHECK.format(), json.dumps(ids)))
        if state["busy"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    counts: dict[str, int] = {}
    lost = []
    for entry_id in ids:
        row = state["rows"].get(str(entry_id))
        if row is None:
            lost.append((entry_id, "missing"))
            continue
        entry_state, reason, detail = row
        counts[entry_state] = counts.get(entry_state, 0) + 1
        if entry_state in ("pending_review", "approved"):
            continue
        if entry_state == "failed" and (reason or detail):
            continue
        lost.append((entry_id, entry_state))
    print(
        f"uploads: {len(ids)} accepted, moderator decisions: "
        f"{len(results['approved'])}; final states: {counts}"
    )
    print(f"errors: {sum(len(v) for v in errors.values())}, entries lost: {len(lost)}")
    if lost:
        print(f"  lost: {lost[:10]}")


def pages(server: Server, pairs: int) -> None:
    """The visitors' pages against the trivial view, alternated with wrk, once the
    traffic and the worker are done (anonymous, so cached pages are served)."""
    _, home = server.get("/en/")
    html = home.decode()
    entry = re.search(r'href="(/en/gallery/\d+/)"', html)
    episode = re.search(r'href="(/en/stories/[a-z0-9-]+/)"', html)
    paths = [("home", "/en/"), ("gallery", "/en/gallery/")]
    paths += [("entry page", entry.group(1))] if entry else []
    paths += [("episode page", episode.group(1))] if episode else []
    ping = ("ping", "/bench/ping")
    server.warm_up([ping[1]] + [path for _, path in paths])
    results = []
    for name, path in paths:
        results.append(compare(server, ping, (name, path), pairs=pairs))
        print(results[-1].line(), flush=True)
    print(verdict(results))


if __name__ == "__main__":
    main()
