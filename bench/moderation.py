"""Benchmark the review desk: moderators in real Chromium deciding by keyboard at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/desk_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/moderation.py
    ... bench/moderation.py --moderators 3 --per-moderator 200

1. Prepares the database named by DATABASE_URL (PostgreSQL; it is flushed first, so
   never point it at real data): migrate, collectstatic, one real clip and poster,
   and moderators x per-moderator entries waiting for review, each walked to
   "waiting for review" through challenge.states like real uploads.
2. Starts gunicorn on loopback (DJANGO_DEBUG=0, one worker per core, 4 threads),
   with Redis as cache and broker when REDIS_URL is set (notices are queued there,
   no worker runs).
3. Starts one Chromium per moderator (Debian's /usr/bin/chromium through
   Playwright, each in its own process), logs each in on the admin login page and
   opens the desk; all of them then decide at the same time, by keyboard only and
   without thinking time: A (approve), and every fifth entry R then 2 (reject).
Prints, per moderator and overall: decisions per minute, the page-to-next-entry
time (key press until the next entry is on screen, p50/p95), the server's time per
decision (request sent until the first byte of the answer, p50/p95, from Chromium's
own timing), the CPU the browsers and the server used while deciding (which of the
two took the machine), and the number of entries decided twice (must be 0).

`--without-browsers` replaces the Chromiums with plain HTTP clients in threads that
log in the same way and make the requests desk.js makes for each decision (the
decision, answered by the next entry's fragment); no video, poster or script is
fetched. It measures the server alone under the same team: on a machine whose cores
the browsers would otherwise share with the server, what is left is the desk's own
cost. Its "page to next entry" is the whole request (there is no page to draw).
"""

import argparse
import multiprocessing
import os
import queue
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402  (bench/harness.py)
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    bench_env,
    cpu_seconds_of,
    django_output,
    ensure_database,
    manage,
    process_tree,
)
from load import Session, csrf_of  # noqa: E402  (bench/load.py: a tiny browser)

PASSWORD = "bench-Passw0rd-desk"  # noqa: S105 - a throwaway database


SEED = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from challenge.models import Entry, Participant
from challenge.states import entry_record_created, entry_transition
from videos.models import Video

MODERATORS, PER = {moderators}, {per}
call_command("gallery_seed", count=0, participants=20, verbosity=0)  # files, people
User = get_user_model()
import importlib
from django.contrib.auth.models import Permission
group, made = Group.objects.get_or_create(name="Moderators")
if made:  # a flush keeps permissions, not the group the data migration made
    migration = importlib.import_module("challenge.migrations.0004_moderators_group")
    for app_label, model, codename in migration.MODERATOR_PERMISSIONS:
        group.permissions.add(Permission.objects.get(
            content_type__app_label=app_label, content_type__model=model,
            codename=codename,
        ))
for number in range(MODERATORS):
    user = User.objects.create_user(
        username=f"desk{{number}}", password="{password}", is_staff=True
    )
    user.groups.add(group)
people = list(Participant.objects.filter(handle__startswith="seed_"))
S = Entry.State
with transaction.atomic():
    videos = Video.objects.bulk_create(
        [
            Video(
                status=Video.Status.READY,
                poster="videos/seed/poster.webp",
                output="videos/seed/video.mp4",
                duration=1.0,
                width=360,
                height=640,
                original_name="seed.mp4",
            )
            for _ in range(MODERATORS * PER)
        ]
    )
    for index, video in enumerate(videos):
        entry = Entry.objects.create(
            participant=people[index % len(people)],
            video=video,
            caption=f"Desk bench entry {{index}} #kindness",
            prompt="moment",
            language="en",
            state=S.UPLOADED,
            is_minor=index % 3 == 0,
            watched_hits=["idiot"] if index % 10 == 0 else [],
        )
        entry_record_created(entry=entry)
        entry_transition(entry_id=entry.pk, to_state=S.PROCESSING, reason="handed_over")
        entry_transition(entry_id=entry.pk, to_state=S.PENDING_REVIEW, reason="video_ready")
print(Entry.objects.filter(state=S.PENDING_REVIEW).count())
"""

DOUBLES = """
from django.db.models import Count
from challenge.models import Entry, EntryEvent
S = Entry.State
decisions = EntryEvent.objects.filter(
    actor__isnull=False, from_state=S.PENDING_REVIEW,
    to_state__in=[S.APPROVED, S.REJECTED],
)
twice = decisions.values("entry").annotate(n=Count("id")).filter(n__gt=1).count()
print(decisions.count(), twice, Entry.objects.filter(state=S.PENDING_REVIEW).count())
"""


def moderator(number: int, base: str, limit: int, start, results) -> None:
    """One moderator in one Chromium: log in, open the desk, wait for the start,
    then decide `limit` entries by keyboard as fast as the page allows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        server_ms: list[float] = []

        def on_response(response):
            if "/desk/" in response.url and response.request.method == "POST":
                timing = response.request.timing
                server_ms.append(timing["responseStart"] - timing["requestStart"])

        page.on("response", on_response)
        page.goto(f"{base}/en/admin/login/?next=/en/admin/challenge/entry/desk/")
        page.locator("#id_username").focus()
        page.keyboard.type(f"desk{number}")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-desk]")
        start.wait()
        to_next: list[float] = []
        decided = 0
        began = time.perf_counter()
        while decided < limit and page.locator("[data-entry]").count():
            current = page.get_attribute("[data-entry]", "data-entry")
            pressed = time.perf_counter()
            if decided % 5 == 4:
                page.keyboard.press("r")
                page.keyboard.press("2")
            else:
                page.keyboard.press("a")
            page.wait_for_function(
                "(before) => { const e = document.querySelector('[data-entry]');"
                " return (!e || e.dataset.entry !== before)"
                " && !document.querySelector('[data-desk]').hasAttribute('aria-busy'); }",
                arg=current,
            )
            to_next.append((time.perf_counter() - pressed) * 1000)
            decided += 1
        elapsed = time.perf_counter() - began
        page.wait_for_timeout(200)  # the last response's timing
        browser.close()
    results.put(
        {
            "moderator": f"desk{number}",
            "decided": decided,
            "seconds": elapsed,
            "to_next": to_next,
            "server": server_ms,
        }
    )


class CpuShare:
    """CPU used by two sides while the moderators decide: the clients (each
    moderator process and its Chromium tree, or the bench's own threads) and the
    server (gunicorn's workers). Sampled every half second per process, from the
    start's figures, so a browser that closes at the end keeps what it used until
    its last sample."""

    def __init__(self, client_pids, server: Server, *, label: str):
        self.client_pids = client_pids
        self.server = server
        self.label = label
        self.before: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.running = False

    def _tree(self):
        for root in self.client_pids:
            for pid in process_tree(root):
                yield pid, cpu_seconds_of(pid)

    def __enter__(self):
        self.before = dict(self._tree())
        self.server_start = self.server.cpu_seconds()
        self.started = time.monotonic()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while self.running:
            for pid, used in self._tree():
                if used:
                    self.seen[pid] = max(self.seen.get(pid, 0.0), used)
            time.sleep(0.5)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.seconds = time.monotonic() - self.started
        self.server_used = self.server.cpu_seconds() - self.server_start

    def line(self) -> str:
        clients = sum(
            used - self.before.get(pid, 0.0) for pid, used in self.seen.items()
        )
        cores = os.cpu_count() or 1

        def share(used):
            return f"{used:.0f} cpu-s = {used / self.seconds * 100:.0f} % of one core"

        larger = self.label if clients >= self.server_used else "the server"
        return (
            f"cpu while deciding ({self.seconds:.0f} s, {cores} cores): {self.label} "
            f"{share(clients)}, the server {share(self.server_used)}; the larger "
            f"share: {larger}"
        )


DECIDE = re.compile(r'action="([^"]+/decide/)"')
REASON = re.compile(r'name="reason" value="([^"]+)"')
DESK = {"X-Requested-With": "desk"}  # what desk.js sends: the answer is a fragment


def http_moderator(number: int, port: int, limit: int, start, results) -> None:
    """The desk's requests for one moderator, deciding as `moderator` does (A, and
    every fifth R then 2), timed from the request to the whole answer."""
    session = Session(port, record=lambda *_: None)
    login = "/en/admin/login/"
    _, page = session.request("login", "GET", login)
    response, _ = session.form_post(
        "login",
        login,
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "username": f"desk{number}",
            "password": PASSWORD,
            "next": "/en/admin/challenge/entry/desk/",
        },
    )
    assert response.status == 302, f"desk{number} could not log in ({response.status})"
    _, page = session.request(
        "desk", "GET", "/en/admin/challenge/entry/desk/", headers=DESK
    )
    start.wait()
    to_next: list[float] = []
    began = time.perf_counter()
    while len(to_next) < limit and (action := DECIDE.search(page.decode())):
        fields = {"csrfmiddlewaretoken": csrf_of(page), "seen_state": "pending_review"}
        if len(to_next) % 5 == 4:
            fields.update(decision="reject", reason=REASON.findall(page.decode())[1])
        else:
            fields["decision"] = "approve"
        pressed = time.perf_counter()
        response, page = session.request(
            "desk",
            "POST",
            action.group(1),
            body=urlencode(fields),
            headers={**DESK, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 200, f"desk{number}: {response.status}"
        to_next.append((time.perf_counter() - pressed) * 1000)
    results.put(
        {
            "moderator": f"desk{number}",
            "decided": len(to_next),
            "seconds": time.perf_counter() - began,
            "to_next": to_next,
            "server": to_next,
        }
    )


def _pct(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction) - 1)] if ordered else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moderators", type=int, default=3)
    parser.add_argument("--per-moderator", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--without-browsers",
        action="store_true",
        help="moderators as plain HTTP clients making desk.js's requests (the "
        "server's share alone; no video is played)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for this benchmark.")
    if not Path(CHROMIUM).exists():
        sys.exit(f"No Chromium at {CHROMIUM} (apt-get install chromium).")
    ensure_database(url)
    data_dir = Path(tempfile.mkdtemp(prefix="kh-desk-bench-"))
    env = bench_env(data_dir, {"CACHE_KEY_PREFIX": "khbench-desk"})
    processes = []
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "flush", "--noinput")
        manage(env, "collectstatic", "--noinput")
        seed = SEED.format(
            moderators=args.moderators, per=args.per_moderator, password=PASSWORD
        )
        waiting = django_output(env, seed)
        print(
            f"cpus: {os.cpu_count()}  database: PostgreSQL  entries waiting: {waiting}"
            f"  moderators: {args.moderators}  gunicorn workers: {args.workers} x 4"
            " threads"
        )
        # Not pinned: the browsers need the same cores as the server.
        with Server(env, workers=args.workers, threads=4, cores="") as server:
            base = f"http://127.0.0.1:{server.port}"
            if args.without_browsers:
                start, results = threading.Event(), queue.Queue()
                threads = [
                    threading.Thread(
                        target=http_moderator,
                        args=(number, server.port, args.per_moderator, start, results),
                    )
                    for number in range(args.moderators)
                ]
                for thread in threads:
                    thread.start()
                time.sleep(3)  # every client logged in and on the desk
                clients, label = [os.getpid()], "the clients (no browser)"
            else:
                context = multiprocessing.get_context("spawn")
                start = context.Event()
                results = context.Queue()
                processes = [
                    context.Process(
                        target=moderator,
                        args=(number, base, args.per_moderator, start, results),
                    )
                    for number in range(args.moderators)
                ]
                for process in processes:
                    process.start()
                time.sleep(15)  # every browser logged in and on the desk
                clients = [process.pid for process in processes]
                label = "the browsers"
            with CpuShare(clients, server, label=label) as cpu:
                start.set()
                rows = [results.get(timeout=1800) for _ in range(args.moderators)]
            for process in processes:
                process.join(timeout=60)
        every_next, every_server = [], []
        for row in sorted(rows, key=lambda r: r["moderator"]):
            per_minute = row["decided"] / row["seconds"] * 60 if row["seconds"] else 0
            every_next += row["to_next"]
            every_server += row["server"]
            print(
                f"{row['moderator']}: {row['decided']} decisions in "
                f"{row['seconds']:.1f} s = {per_minute:.0f}/min; page to next entry "
                f"p50 {statistics.median(row['to_next']):.0f} ms, "
                f"p95 {_pct(row['to_next'], 0.95):.0f} ms; server per decision "
                f"p50 {statistics.median(row['server']):.0f} ms, "
                f"p95 {_pct(row['server'], 0.95):.0f} ms"
            )
        total, twice, left = django_output(env, DOUBLES).split()
        slowest = min(
            r["decided"] / r["seconds"] * 60
            for r in rows
            if r["seconds"] and r["decided"]
        )
        print(
            f"all: page to next entry p50 {statistics.median(every_next):.0f} ms, "
            f"p95 {_pct(every_next, 0.95):.0f} ms; server per decision "
            f"p50 {statistics.median(every_server):.0f} ms, "
            f"p95 {_pct(every_server, 0.95):.0f} ms"
        )
        print(cpu.line())
        print(
            f"decisions recorded: {total}  entries decided twice: {twice}  "
            f"left waiting: {left}  slowest moderator: {slowest:.0f}/min"
        )
    finally:
        # Stopped early (Ctrl-C, kill): no moderator's Chromium is left running.
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
