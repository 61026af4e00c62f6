"""A 250 MB upload through the resumable (tus) path and through the plain form, against
one gunicorn worker (one thread), alternated in the same run.

    .venv/bin/python bench/upload.py                 # 250 MB, 5 pairs, about a minute
    .venv/bin/python bench/upload.py --mb 50 --pairs 3

Self-contained: its own DATA_DIR and SQLite database in a temporary folder, default
settings (no worker: the pipeline task is only queued), a participant made with the
ORM. Each run sends the same file one way and measures, from the first request to
the entry being created:
- the time, so throughput = bytes / time;
- the worker process's peak resident memory above its idle size (VmRSS sampled every
  20 ms from /proc; VmHWM cannot be reset between runs).

The resumable path is what upload.js does: POST (create), PATCH pieces of
RESUMABLE_UPLOAD_CHUNK_BYTES, then the form with the upload's id. The plain form is
one multipart POST streamed from disk.

The two alternate through bench/harness.py (plain, tus, plain, tus …). The first
run of a session was about twice as fast as every later one, whichever side it was
(on disk and on tmpfs alike), so one pair runs first and is not counted; every run
starts after `sync`, so neither side pays for the previous run's bytes still being
written back to disk.

Last lines: `tus peak above idle <MB> (goal <= 50)`, the comparison with its min–max,
`throughput tus / plain <median ratio> (goal >= 0.9)` and the harness's verdict.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, free_port, header, verdict  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SETUP = r"""
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import datetime as dt
from django.utils import timezone
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from campaign.models import Campaign
from challenge.models import Participant
from django.contrib.sessions.backends.db import SessionStore
now = timezone.now()
Campaign.objects.create(name="#CreateKindness", starts_at=now - dt.timedelta(days=1),
                        ends_at=now + dt.timedelta(days=30))
user = get_user_model().objects.create_user("bench", "bench@example.org", "x" * 20)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
Participant.objects.create(user=user, handle="bench_kind", birth_year=now.year - 30,
                           birth_month=1, country="FR")
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key}))
"""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Sampler:
    """Peak VmRSS of one process while a block runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, 0, False

    def __enter__(self):
        self.peak, self.running = rss_kb(self.pid), True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_kb(self.pid))


class Site:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATA_DIR": str(folder / "data"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "CHALLENGE_DAILY_ENTRY_LIMIT": "1000",
            "RATE_LIMIT_UPLOAD": "1000/h/user",
            "RATE_LIMIT_UPLOAD_START": "1000/h/user",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_TIMEOUT": "600",
        }
        out = subprocess.run(
            [PYTHON, "-c", SETUP],
            cwd=BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.session = json.loads(out.stdout.strip().splitlines()[-1])["session"]
        self.server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi",
                "--config",
                "config/gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.request("GET", "/en/challenge/submit/")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise SystemExit("the site did not start")
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        self.worker = int(children.read_text().split()[0])
        self.csrf = self.token()

    def close(self):
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=30)

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def headers(self, **extra):
        return {
            "Cookie": f"sessionid={self.session}; csrftoken={getattr(self, 'csrf', '')}",
            "X-CSRFToken": getattr(self, "csrf", ""),
            "Accept": "application/json",
            **extra,
        }

    def request(self, method, path, body=None, headers=None):
        conn = self.connection()
        conn.request(method, path, body=body, headers=headers or self.headers())
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.headers, data

    def token(self) -> str:
        conn = self.connection()
        conn.request("GET", "/en/challenge/submit/", headers=self.headers())
        response = conn.getresponse()
        response.read()
        cookie = response.headers.get("Set-Cookie", "")
        conn.close()
        return re.search(r"csrftoken=([^;]+)", cookie).group(1)


FIELDS = {
    "caption": "A thank-you to my friend",
    "prompt": "moment",
    "language": "en",
    "accept_rules": "on",
    "accept_gallery": "on",
}


def send_plain(site: Site, path: Path) -> None:
    boundary = uuid.uuid4().hex
    fields = {**FIELDS, "submission_token": str(uuid.uuid4())}
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="video"; '
        f'filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    conn = site.connection()
    conn.putrequest("POST", "/en/challenge/submit/")
    for name, value in site.headers(
        **{
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head.encode()) + size + len(tail)),
        }
    ).items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(head.encode())
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            conn.send(block)
    conn.send(tail)
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert body.get("ok"), body


def send_resumable(site: Site, path: Path, piece: int) -> float:
    """Returns when the last piece was confirmed (perf_counter)."""
    size = path.stat().st_size
    status, headers, body = site.request(
        "POST",
        "/en/challenge/submit/uploads/",
        headers=site.headers(**{"Tus-Resumable": "1.0.0", "Upload-Length": str(size)}),
    )
    assert status == 201, (status, body)
    location = headers["Location"]
    conn = site.connection()
    offset = 0
    with path.open("rb") as handle:
        while offset < size:
            length = min(piece, size - offset)
            conn.putrequest("PATCH", location)
            for name, value in site.headers(
                **{
                    "Tus-Resumable": "1.0.0",
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(length),
                }
            ).items():
                conn.putheader(name, value)
            conn.endheaders()
            left = length
            while left:
                block = handle.read(min(1024 * 1024, left))
                conn.send(block)
                left -= len(block)
            response = conn.getresponse()
            response.read()
            assert response.status == 204, response.status
            offset = int(response.headers["Upload-Offset"])
    conn.close()
    pieces_done = time.perf_counter()
    fields = {
        **FIELDS,
        "submission_token": str(uuid.uuid4()),
        "upload": location.rstrip("/").rsplit("/", 1)[1],
    }
    from urllib.parse import urlencode

    status, _, body = site.request(
        "POST",
        "/en/challenge/submit/",
        body=urlencode(fields),
        headers=site.headers(**{"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert status == 200 and json.loads(body).get("ok"), (status, body)
    return pieces_done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=250)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--piece-mb", type=int, default=8)
    parser.add_argument(
        "--dir",
        default=None,
        help="where the site's files go (default: the system's temporary folder, "
        "on disk here; /dev/shm takes the disk out of the comparison)",
    )
    args = parser.parse_args()
    header("bench/upload.py", server=False)
    folder = Path(tempfile.mkdtemp(prefix="kh-bench-upload-", dir=args.dir))
    try:
        source = folder / "big.bin"
        with source.open("wb") as handle:
            for _ in range(args.mb):
                handle.write(os.urandom(1_000_000))
        size = source.stat().st_size
        site = Site(folder)
        try:
            idle = rss_kb(site.worker)
            peaks = {"plain": [], "tus": []}
            print(f"file {size / 1e6:.0f} MB, worker idle {idle / 1024:.1f} MB")

            def side(name):
                def run() -> float:
                    # Every run starts with nothing waiting to be written back, so
                    # the one after a run does not pay for the previous run's bytes.
                    os.sync()
                    with Sampler(site.worker) as sampler:
                        start = time.perf_counter()
                        split = ""
                        if name == "plain":
                            send_plain(site, source)
                        else:
                            sent = send_resumable(
                                site, source, args.piece_mb * 1024 * 1024
                            )
                        seconds = time.perf_counter() - start
                        if name == "tus":
                            split = (
                                f" (pieces {sent - start:.2f} s, "
                                f"form {start + seconds - sent:.2f} s)"
                            )
                    above = (sampler.peak - idle) / 1024
                    peaks[name].append(above)
                    print(
                        f"  {name:5} {seconds:6.2f} s {size / 1e6 / seconds:7.1f} MB/s"
                        f"  peak above idle {above:6.1f} MB{split}"
                    )
                    return size / 1e6 / seconds

                return run

            print("warm-up pair (not counted):")
            side("plain")()
            side("tus")()
            peaks = {"plain": [], "tus": []}
            comparison = alternate(
                "throughput tus / plain",
                side("plain"),
                side("tus"),
                pairs=args.pairs,
                unit="MB/s",
            )
        finally:
            site.close()
        print(f"plain peak above idle {statistics.median(peaks['plain']):.1f} MB")
        print(
            f"tus peak above idle {statistics.median(peaks['tus']):.1f} MB "
            f"(max {max(peaks['tus']):.1f}; goal <= 50)"
        )
        print(comparison.line())
        print(f"throughput tus / plain {comparison.median:.2f} (goal >= 0.9)")
        print(verdict([comparison]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
