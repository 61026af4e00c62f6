"""The site while PostgreSQL is away, measured for real: gunicorn runs the site
with its DATABASE_URL through a TCP proxy (bench/proxy.py), and the test cuts the
proxy: every connection to the database is dropped and every new one ended, while
PostgreSQL itself keeps serving everyone else."""

import datetime as dt
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from bench.proxy import TcpProxy
from campaign.models import Campaign
from core.csrf import CSRF_PLACEHOLDER
from stories.models import Episode, Series
from tests.challenge.factories import S, make_entry, make_participant
from tests.conftest import (
    BASE_DIR,
    _database_url_for_worker,
    service_missing,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.slow]

METRICS_TOKEN = "metrics-token-for-the-outage-test"


class Site:
    """gunicorn (2 processes, as in production) on loopback, the database behind
    `proxy`."""

    def __init__(self, *, database_url: str, redis_url: str, data_dir):
        self.port = _free_port()
        self.cache_prefix = f"khaway{os.getpid()}{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": self.cache_prefix,
            "DATA_DIR": str(data_dir),
            "METRICS_TOKEN": METRICS_TOKEN,
            "BENCH_PING": "1",
            "DATABASE_CONNECT_TIMEOUT": "2",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_DEBUG", None)
        self.log = data_dir / "site.log"
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", "2", "--threads", "2", "--worker-class", "gthread",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.get("/bench/ping")[0] == HTTPStatus.OK:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the site did not start:\n" + self.log.read_text()[-3000:])

    def request(self, method, path, *, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get(self, path, **headers):
        status, _headers, body = self.request("GET", path, headers=headers)
        return status, body

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site(transactional_db, redis_url, tmp_path):
    """The site, its database behind a proxy the test cuts (`site.proxy`)."""
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL (set DATABASE_URL)")
    direct = urlsplit(_database_url_for_worker())
    proxy = TcpProxy(direct.hostname, direct.port or 5432)
    through_proxy = direct._replace(
        netloc=direct.netloc.replace(
            f"{direct.hostname}:{direct.port or 5432}", f"127.0.0.1:{proxy.port}"
        )
    ).geturl()
    server = Site(database_url=through_proxy, redis_url=redis_url, data_dir=tmp_path)
    server.proxy = proxy
    server.data_dir = tmp_path
    try:
        yield server
    finally:
        server.stop()
        proxy.close()


@pytest.fixture
def content(transactional_db):
    """A live campaign, a published episode, an approved entry in the gallery."""
    now = timezone.now()
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )
    series = Series.objects.create(slug="create-kindness", title_en="#CreateKindness")
    episode = Episode.objects.create(
        series=series,
        slug="block-the-bullies",
        publish_at=now - dt.timedelta(days=1),
        title_en="Block the bullies",
        synopsis_en="A story about kindness.",
        creator_handle="@milkymichii",
        situation=Episode.Situation.UNKIND_DUETS,
    )
    # A caption holding the copies' CSRF placeholder: never filled with a token.
    entry = make_entry(state=S.APPROVED, caption=f"Be kind {CSRF_PLACEHOLDER}")
    return {"episode": episode, "entry": entry}


def public_pages(content) -> list[tuple[str, dict]]:
    """The anonymous visitor's pages, as different visitors ask for them."""
    episode, entry = content["episode"], content["entry"]
    return [
        ("/en/", {}),
        ("/it/", {}),
        ("/en/stories/", {}),
        (f"/en/stories/{episode.slug}/", {}),
        ("/en/gallery/", {}),
        ("/fr/gallery/", {}),
        ("/en/gallery/?sort=hearts", {}),
        (f"/en/gallery/{entry.pk}/", {}),
        ("/en/help/", {}),
        ("/de/help/", {"Accept-Language": "de-CH,de;q=0.9"}),
        ("/en/help/", {"Cookie": "kh_country=IT"}),
        ("/en/help/", {"Cookie": "kh_banner_dismissed=1; csrftoken=" + "a" * 32}),
    ]


def _csrf_values(body: bytes) -> list[bytes]:
    return re.findall(rb'name="csrfmiddlewaretoken" value="([^"]*)"', body)


def test_public_pages_are_served_while_the_database_is_away(site, content):
    pages = public_pages(content)
    before = {}
    for path, headers in pages:
        status, body = site.get(path, **headers)
        assert status == HTTPStatus.OK, (path, body[-2000:])
        before[(path, repr(headers))] = body

    site.proxy.cut()
    for _round in range(3):
        for path, headers in pages:
            status, body = site.get(path, **headers)
            assert status == HTTPStatus.OK, (path, headers, status, body[-1500:])
            kept = before[(path, repr(headers))]
            if path.startswith("/en/gallery/") and path[-2].isdigit():
                assert f"Be kind {CSRF_PLACEHOLDER}".encode() in body
            # The same page, each visitor with a token of their own.
            assert _csrf_values(body) and all(
                len(value) == 64 for value in _csrf_values(body)
            )
            assert re.sub(rb'value="[^"]{64}"', b"", body) == re.sub(
                rb'value="[^"]{64}"', b"", kept
            ), path

    site.proxy.restore()
    assert site.get("/en/partners/")[0] == HTTPStatus.OK


def test_cached_pages_do_not_wait_for_the_database(site, content):
    """What a page in the cache asks of the database while it is away, counted at
    the proxy: a gallery page in the gallery's cache nothing at all (no session,
    no user, no messages, no banner snapshot); any other kept page one attempt per
    web process, then nothing for DATABASE_DOWN_HOLD_SECONDS."""
    entry = content["entry"]
    gallery = ["/en/gallery/", f"/en/gallery/{entry.pk}/"]
    pages = [path for path, _headers in public_pages(content)]
    for path in pages:
        assert site.get(path)[0] == HTTPStatus.OK
    site.proxy.cut()
    for _round in range(5):
        for path in gallery:
            assert site.get(path)[0] == HTTPStatus.OK
    assert site.proxy.refused == 0

    started = time.monotonic()
    for _round in range(5):
        for path in pages:
            assert site.get(path)[0] == HTTPStatus.OK, path
    windows = 1 + int(
        (time.monotonic() - started) / settings.DATABASE_DOWN_HOLD_SECONDS
    )
    assert site.proxy.refused <= 2 * windows < 5 * len(pages)


def test_every_other_page_answers_503_in_the_visitors_language(site, content):
    participant = make_participant()
    session_cookie = _signed_in_cookie(participant.user)
    assert site.get("/fr/partners/")[0] == HTTPStatus.OK
    assert site.get("/en/help/")[0] == HTTPStatus.OK
    site.proxy.cut()

    status, headers, body = site.request("GET", "/fr/partners/")
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert int(headers["Retry-After"]) >= 60
    text = body.decode()
    assert '<html lang="fr">' in text
    # In French (the new words wait in locale/pending until they are merged; the
    # page's own frame is already translated).
    assert 'aria-label="Langue"' in text

    # A signed-in visitor, even on a public page: their session lives in the database.
    status, headers, body = site.request(
        "GET", "/en/", headers={"Cookie": session_cookie}
    )
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"try again in a few minutes" in body

    # Except the help page: its helplines reach a signed-in child too.
    status, headers, body = site.request(
        "GET", "/en/help/", headers={"Cookie": session_cookie}
    )
    assert status == HTTPStatus.OK
    assert b"Log in" in body  # the copy, as a visitor without an account sees it

    status, headers, body = site.request(
        "GET", "/de/challenge/my-entries/", headers={"Cookie": session_cookie}
    )
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert '<html lang="de">' in body.decode()

    for method, path in [
        ("GET", "/en/accounts/login/"),
        ("POST", "/en/accounts/login/"),
        ("GET", "/en/challenge/"),
        ("GET", "/en/partners/"),
        ("GET", f"/en/gallery/{content['entry'].pk}/report/"),
        ("GET", "/en/about/who-runs-this/"),
    ]:
        status, _headers, body = site.request(method, path)
        assert status != HTTPStatus.INTERNAL_SERVER_ERROR, (method, path, body[-800:])
    assert b"Internal Server Error" not in site.log.read_bytes()


def _signed_in_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _files_under(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_an_upload_is_refused_before_its_bytes_are_taken(site, content):
    participant = make_participant()
    cookie = _signed_in_cookie(participant.user)
    site.proxy.cut()
    size = 50 * 1024 * 1024
    for path, headers in [
        (
            "/en/challenge/submit/",
            {"Content-Type": "multipart/form-data; boundary=xyz"},
        ),
        (
            "/en/challenge/submit/uploads/",
            {"Tus-Resumable": "1.0.0", "Upload-Length": str(size)},
        ),
    ]:
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
            head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Cookie: {cookie}"]
            head += [f"{name}: {value}" for name, value in headers.items()]
            head.append(f"Content-Length: {size}")
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            sock.sendall(b"--xyz\r\n" + b"\0" * 65536)  # the first bytes only
            answer = _read_answer(sock)
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 503 " in status_line, (path, answer[:2000])
        assert b"Retry-After:" in answer
        assert b"try again in a few minutes" in answer, answer[-1500:]

    site.proxy.restore()
    leftovers = [
        *_files_under(site.data_dir / "tmp"),
        *_files_under(site.data_dir / "uploads"),
        *_files_under(site.data_dir / "private"),
    ]
    assert leftovers == []


def _read_answer(sock) -> bytes:
    """Whatever the server answers before it closes or goes quiet: it must answer
    without waiting for the 50 MB the request announced."""
    chunks = []
    sock.settimeout(10)
    try:
        while data := sock.recv(65536):
            chunks.append(data)
            if b"</html>" in data or b"minutes." in data:
                break
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def test_health_and_metrics_say_the_database_is_down(site, content):
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    status, body = site.get("/metrics", **bearer)
    assert status == HTTPStatus.OK
    assert b"kh_database_up 1" in body
    site.proxy.cut()

    status, _headers, body = site.request("GET", "/healthz")
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert b'"database": {"ok": false' in body
    status, body = site.get("/metrics", **bearer)
    assert status == HTTPStatus.OK
    assert b"kh_database_up 0" in body
    assert b"kh_broker_up 1" in body

    site.proxy.restore()
    status, _headers, body = site.request("GET", "/healthz")
    assert b'"database": {"ok": true}' in body
    assert b"kh_database_up 1" in site.get("/metrics", **bearer)[1]


def test_pages_come_back_fresh_once_the_database_is_back(site, content):
    assert site.get("/en/stories/")[0] == HTTPStatus.OK
    site.proxy.cut()
    status, headers, _body = site.request("GET", "/en/stories/")
    assert status == HTTPStatus.OK
    assert headers.get("X-Kept-Copy") == "1"
    site.proxy.restore()
    time.sleep(settings.DATABASE_DOWN_HOLD_SECONDS + 0.5)
    status, headers, _body = site.request("GET", "/en/stories/")
    assert status == HTTPStatus.OK
    assert "X-Kept-Copy" not in headers


@pytest.fixture
def db_proxy(transactional_db, monkeypatch):
    """A proxy in front of the test database; a worker started after this fixture
    (`celery_worker`) reaches the database through it."""
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL (set DATABASE_URL)")
    direct = urlsplit(_database_url_for_worker())
    proxy = TcpProxy(direct.hostname, direct.port or 5432)
    through_proxy = direct._replace(
        netloc=direct.netloc.replace(
            f"{direct.hostname}:{direct.port or 5432}", f"127.0.0.1:{proxy.port}"
        )
    ).geturl()
    monkeypatch.setattr(
        "tests.conftest._database_url_for_worker", lambda: through_proxy
    )
    yield proxy
    proxy.close()


@pytest.mark.worker
def test_a_worker_waits_for_the_database_and_goes_on_by_itself(db_proxy, request):
    from challenge import jobs
    from challenge.models import EntryEvent, ModerationNotice
    from config.celery import app as celery_app

    worker = request.getfixturevalue("celery_worker")
    entry = make_entry(state=S.APPROVED)
    event = EntryEvent.objects.filter(entry=entry, to_state=S.APPROVED).get()
    notice = ModerationNotice.objects.create(
        event=event, kind=ModerationNotice.Kind.APPROVED
    )

    db_proxy.cut()
    celery_app.send_task(jobs.MODERATION_NOTICE_SEND, args=[notice.pk])
    wait_for(
        lambda: b"the database is away" in worker.log.read_bytes(),
        timeout=30,
        what="the worker to meet the database away",
        worker=worker,
    )
    time.sleep(3)  # away for a while: the task must still be waiting, not dropped
    notice.refresh_from_db()
    assert notice.sent_at is None

    db_proxy.restore()
    wait_for(
        lambda: ModerationNotice.objects.get(pk=notice.pk).sent_at,
        timeout=20,
        what="the notice sent once the database is back",
        worker=worker,
    )
    assert worker.process.poll() is None


def _site_cache(site, redis_url):
    """The site's cache, seen from the test process (same Redis, same prefix), so
    that what the services do here reaches the site's gallery generations."""
    from django.test import override_settings

    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": site.cache_prefix,
            }
        }
    )


def test_copies_outlive_approvals_but_never_show_what_was_taken_down(
    site, content, redis_url
):
    """While moderators keep approving, a copy made before the last approval is
    still served (it only lacks the newest entries); a copy showing an entry that
    was withdrawn or hidden since is never served, and the next view after the
    removal keeps a fresh one at once."""
    from challenge.services.moderation.decisions import entry_approve
    from challenge.services.submission import entry_withdraw
    from tests.challenge.factories import make_user

    kept_entry = content["entry"]
    leaving = make_entry(state=S.APPROVED, caption="I will take this one back")
    detail = f"/en/gallery/{leaving.pk}/"
    with _site_cache(site, redis_url):
        from challenge.selectors.gallery import gallery_changed

        gallery_changed()  # the site's generations, after the entries made above
        for path in ("/en/", "/en/gallery/", detail, "/en/stories/"):
            assert site.get(path)[0] == HTTPStatus.OK
        # An approval after the copies were made: they stay good.
        newer = make_entry(state=S.PENDING_REVIEW, caption="A newer kind entry")
        entry_approve(entry_id=newer.pk, actor=make_user(moderator=True))
        site.proxy.cut()
        for path in ("/en/", "/en/gallery/", detail):
            status, body = site.get(path)
            assert status == HTTPStatus.OK, (path, body[-600:])
        site.proxy.restore()
        time.sleep(settings.DATABASE_DOWN_HOLD_SECONDS + 0.5)

        # A withdrawal: no copy that shows the entry is served...
        entry_withdraw(entry=leaving, actor=leaving.participant.user)
        site.proxy.cut()
        # (the other entry's page too: its "More from the gallery" showed it).
        for path in ("/en/", "/en/gallery/", detail, f"/en/gallery/{kept_entry.pk}/"):
            status, body = site.get(path)
            assert status == HTTPStatus.SERVICE_UNAVAILABLE, path
            assert b"I will take this one back" not in body
        # ...while a page that never showed it still comes from its copy.
        assert site.get("/en/stories/")[0] == HTTPStatus.OK
        site.proxy.restore()
        time.sleep(settings.DATABASE_DOWN_HOLD_SECONDS + 0.5)

        # The next view keeps a fresh copy at once (not a minute later).
        assert site.get("/en/gallery/")[0] == HTTPStatus.OK
        site.proxy.cut()
        status, body = site.get("/en/gallery/")
        assert status == HTTPStatus.OK
        assert b"I will take this one back" not in body
        assert b"A newer kind entry" in body
        site.proxy.restore()


def test_log_ins_tried_while_the_database_is_away_do_not_pause_signing_in(
    site, content, settings
):
    """allauth counts a log-in attempt before it asks the database (once the site
    is known to the process): people who kept trying during an outage found signing
    in paused (10 a minute per address, 5 in 5 minutes per account), during it and
    after it. An attempt the database could not judge is a 503 and is not counted."""
    from django.contrib.auth import get_user_model

    # A password hash the site's own hashers read (the tests use a fast one).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    password = "patient-Passw0rd-7"  # noqa: S105  (a test account)
    user = get_user_model().objects.create_user(
        username="patient", email="patient@example.org", password=password
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    _status, headers, body = site.request("GET", "/en/accounts/login/")
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    token = _csrf_values(body)[0].decode()

    def log_in(secret):
        form = f"csrfmiddlewaretoken={token}&login={user.email}&password={secret}"
        return site.request(
            "POST",
            "/en/accounts/login/",
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{site.port}/en/accounts/login/",
            },
            body=form,
        )

    # Both web processes know the site (a real server has long since): two wrong
    # passwords, counted as they should be.
    for _attempt in range(2):
        assert log_in("wrong")[0] == HTTPStatus.OK
    site.proxy.cut()
    for _attempt in range(12):
        status, _headers, _body = log_in(password)
        assert status == HTTPStatus.SERVICE_UNAVAILABLE
    site.proxy.restore()
    time.sleep(settings.DATABASE_DOWN_HOLD_SECONDS + 0.5)
    status, _headers, body = log_in(password)
    assert status == HTTPStatus.FOUND, body[-3000:]
