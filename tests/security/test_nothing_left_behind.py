"""Issue 31, points 3 and 4: nothing of a participant's is left behind, and small
holes found alongside.

- deleting an account deletes its unfinished resumable uploads at once;
- an erased entry (withdrawn, cancelled at the kindness prompt, swept by retention)
  keeps no original file name;
- open resumable uploads stop at a global cap and at a free-disk watermark;
- what the site writes (database, outbox, secrets, private media, parts) is readable
  by the site's user only, checked on files a fresh process really makes;
- pages that show personal data are never stored by a browser (no-store), the feed
  says how long anyone may keep it;
- the CSRF placeholder of cached pages is filled in the form field only;
- a number too long for int() in Range, Upload-Length or Upload-Offset is a 400.
"""

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from challenge.models import Entry, Nudge, ResumableUpload
from challenge.services.privacy import retention_sweep
from tests.challenge.factories import (
    PASSWORD,
    entry_post_data,
    make_entry,
    make_participant,
)
from videos.models import Video

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
S = Entry.State
CREATE = "/en/challenge/submit/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
PIECE = "application/offset+octet-stream"
TOO_LONG = "9" * 5000  # past Python's 4300-digit limit for int()


@pytest.fixture(autouse=True)
def _upload_dir(settings, tmp_path):
    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"


def _signed_in(participant) -> Client:
    client = Client()
    client.force_login(participant.user)
    return client


def _create(client, length: int, **headers):
    return client.post(CREATE, headers={**TUS, "Upload-Length": str(length), **headers})


def _patch(client, url, data: bytes, offset: int):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type=PIECE,
        headers={**TUS, "Upload-Offset": str(offset)},
    )


def _parts(settings) -> list[Path]:
    return sorted(Path(settings.RESUMABLE_UPLOAD_DIR).glob("*.part"))


# --- Deleting an account deletes its unfinished uploads at once ----------------------


def test_deleting_the_account_deletes_its_open_uploads_at_once(
    campaign, clip_bytes, settings, django_capture_on_commit_callbacks
):
    participant = make_participant()
    client = _signed_in(participant)
    # A whole video waiting for its form, and one half sent.
    whole = _create(client, len(clip_bytes))["Location"]
    assert _patch(client, whole, clip_bytes, 0).status_code == HTTPStatus.NO_CONTENT
    half = _create(client, 10_000)["Location"]
    assert _patch(client, half, b"x" * 5_000, 0).status_code == HTTPStatus.NO_CONTENT
    assert len(_parts(settings)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/challenge/my-data/delete-account/",
            {"password": PASSWORD, "confirm": "on"},
        )
    assert response.status_code == HTTPStatus.FOUND
    assert not ResumableUpload.objects.exists()
    assert _parts(settings) == []  # not 24 hours later: now


# --- An erased entry keeps no original file name -------------------------------------

NAME = "maria-rossi-class-3b.mp4"


def _named(video) -> Video:
    Video.objects.filter(pk=video.pk).update(original_name=NAME)
    return video


def test_a_withdrawn_entry_keeps_no_original_file_name(
    campaign, upload, django_capture_on_commit_callbacks
):
    participant = make_participant()
    client = _signed_in(participant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/challenge/submit/", entry_post_data(upload(name=NAME))
        )
    assert response.status_code == HTTPStatus.FOUND
    entry = Entry.objects.get(participant=participant)
    assert entry.video.original_name == NAME

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/challenge/entries/{entry.pk}/withdraw/")
    entry.refresh_from_db()
    assert entry.state == S.WITHDRAWN
    assert Video.objects.get(pk=entry.video_id).original_name == ""


def test_a_video_cancelled_at_the_kindness_prompt_keeps_no_file_name(
    campaign, upload, django_capture_on_commit_callbacks
):
    participant = make_participant()
    client = _signed_in(participant)
    data = entry_post_data(upload(name=NAME), caption="you are such an idiot")
    response = client.post("/en/challenge/submit/", data)
    nudge = Nudge.objects.get(participant=participant)
    assert response.status_code == HTTPStatus.FOUND, response.content
    video_id = nudge.video_id

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/challenge/submit/check/{nudge.pk}/", {"choice": "cancel"})
    nudge.refresh_from_db()
    assert nudge.outcome == Nudge.Outcome.CANCELLED
    assert Video.objects.get(pk=video_id).original_name == ""


@pytest.mark.parametrize("state", [S.REJECTED, S.FAILED])
def test_retention_erases_the_original_file_name(state, settings):
    entry = make_entry(state=state)
    _named(entry.video)
    old = timezone.now() - dt.timedelta(days=settings.RETENTION_REJECTED_DAYS + 1)
    Entry.objects.filter(pk=entry.pk).update(state_changed_at=old)
    Video.objects.filter(pk=entry.video_id).update(updated_at=old)

    retention_sweep()
    assert Video.objects.get(pk=entry.video_id).original_name == ""


def test_names_kept_by_entries_erased_earlier_go_at_the_next_sweep():
    erased = make_entry(state=S.WITHDRAWN)
    Video.objects.filter(pk=erased.video_id).update(
        source="", output="", poster="", original_name=NAME
    )
    public = _named(make_entry(state=S.APPROVED).video)

    retention_sweep()
    assert Video.objects.get(pk=erased.video_id).original_name == ""
    assert Video.objects.get(pk=public.pk).original_name == NAME


# --- Open uploads have a global cap and a free-disk watermark ------------------------


def test_open_uploads_stop_at_a_global_cap_with_try_again_later(campaign, settings):
    settings.RESUMABLE_UPLOADS_OPEN_MAX_BYTES = 3_000
    first, second, third = (_signed_in(make_participant()) for _ in range(3))
    assert _create(first, 1_000).status_code == HTTPStatus.CREATED
    kept = _create(second, 2_000)
    assert kept.status_code == HTTPStatus.CREATED

    refused = _create(third, 1_000)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert refused["Retry-After"]
    assert "try again" in refused.content.decode().lower()
    assert ResumableUpload.objects.count() == 2
    assert len(_parts(settings)) == 2

    # Room again once one is cancelled, or has expired.
    second.delete(kept["Location"], headers=TUS)
    assert _create(third, 1_000).status_code == HTTPStatus.CREATED
    assert _create(second, 2_000).status_code == HTTPStatus.SERVICE_UNAVAILABLE
    ResumableUpload.objects.update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert _create(second, 3_000).status_code == HTTPStatus.CREATED


def test_no_upload_starts_below_the_free_disk_watermark(campaign, settings):
    free = shutil.disk_usage(BASE_DIR).free
    settings.RESUMABLE_UPLOAD_MIN_FREE_BYTES = free + 10**12
    client = _signed_in(make_participant())

    refused = _create(client, 1_000)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "try again" in refused.content.decode().lower()
    assert not ResumableUpload.objects.exists()
    assert _parts(settings) == []


def test_the_watermark_counts_the_bytes_open_uploads_still_have_to_send(
    campaign, settings
):
    Path(settings.RESUMABLE_UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(settings.RESUMABLE_UPLOAD_DIR).free
    settings.VIDEO_MAX_UPLOAD_BYTES = settings.RESUMABLE_UPLOADS_OPEN_MAX_BYTES = free
    # Room for one more upload of half the free space, not for two.
    settings.RESUMABLE_UPLOAD_MIN_FREE_BYTES = free // 4
    half = free // 2
    assert _create(_signed_in(make_participant()), half).status_code == 201
    refused = _create(_signed_in(make_participant()), half)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE


# --- What the site writes is the site's user's only ----------------------------------

# Run in a fresh process, the way `manage.py`, gunicorn or a worker start: the
# settings are imported under the shell's usual umask (022), then each kind of file
# is made for real.
MAKE_FILES = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    os.umask(0o022)
    import django
    django.setup()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.mail import send_mail
    from django.db import connection
    from videos import resumable
    from videos.models import private_storage
    from videos.services import _store, temp_root

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x text)")
        cursor.execute("INSERT INTO t VALUES ('a guardian address')")
    send_mail("Your reset link", "https://example.org/reset/abc", "a@example.org",
              ["child@example.org"])
    private = private_storage()
    private.save("videos/one/source", ContentFile(b"a child's video"))
    work = temp_root() / "one-work"
    work.mkdir()
    (work / "video.mp4").write_bytes(b"transcoded")
    _store(work / "video.mp4", "videos/one/video.mp4")
    resumable.part_file_create("6f1c1c43-1111-4f4f-9c9c-000000000001")
    default_storage.save("avatars/a.png", ContentFile(b"png"))
    data = Path(settings.DATA_DIR)
    outbox = Path(settings.EMAIL_FILE_PATH)
    files = {
        "secret key": data / "secret-key.txt",
        "database": Path(settings.DATABASES["default"]["NAME"]),
        "database wal": Path(settings.DATABASES["default"]["NAME"] + "-wal"),
        "outbox mail": next(outbox.iterdir()),
        "private source": Path(private.path("videos/one/source")),
        "private output": Path(private.path("videos/one/video.mp4")),
        "part file": next(Path(settings.RESUMABLE_UPLOAD_DIR).iterdir()),
        "public avatar": Path(default_storage.path("avatars/a.png")),
    }
    folders = {
        "outbox": outbox,
        "private": Path(settings.PRIVATE_MEDIA_ROOT),
        "private video folder": Path(private.path("videos/one")),
        "uploads": Path(settings.RESUMABLE_UPLOAD_DIR),
        "temp": Path(settings.FILE_UPLOAD_TEMP_DIR),
        "broker": Path(settings.BROKER_DIR) / "queue",
        "media": Path(settings.MEDIA_ROOT),
        "public avatar folder": Path(default_storage.path("avatars")),
    }
    print(json.dumps({
        name: oct(path.stat().st_mode & 0o777)
        for name, path in {**files, **folders}.items()
    }))
    """
)


def _modes(data_dir: Path, **env) -> dict[str, int]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "MEDIA_OFFLOAD"}
    }
    environment.update(
        DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        RESUMABLE_UPLOAD_DIR=str(data_dir / "uploads"),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", MAKE_FILES],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: int(mode, 8) for name, mode in found.items()}


PRIVATE_FILES = [
    "secret key",
    "database",
    "database wal",
    "outbox mail",
    "private source",
    "private output",
    "part file",
]
PRIVATE_FOLDERS = [
    "outbox",
    "private",
    "private video folder",
    "uploads",
    "temp",
    "broker",
]


def test_files_the_site_writes_are_readable_by_its_user_only(tmp_path):
    modes = _modes(tmp_path / "data")
    assert {name: oct(modes[name]) for name in PRIVATE_FILES} == {
        name: oct(0o600) for name in PRIVATE_FILES
    }
    assert {name: oct(modes[name]) for name in PRIVATE_FOLDERS} == {
        name: oct(0o700) for name in PRIVATE_FOLDERS
    }
    # Public media is for everyone: the front server serves it.
    assert modes["public avatar"] == 0o644
    assert modes["media"] == modes["public avatar folder"] == 0o755


def test_an_older_install_is_closed_at_the_next_start(tmp_path):
    data = tmp_path / "data"
    for folder in ("private/videos/old", "outbox", "uploads"):
        (data / folder).mkdir(parents=True)
        (data / folder).chmod(0o755)
    database = data / "kindness.sqlite3"
    database.touch()
    database.chmod(0o644)
    secret = data / "secret-key.txt"
    secret.write_text("kept-from-before\n")
    secret.chmod(0o644)

    modes = _modes(data)
    assert modes["private"] == modes["outbox"] == modes["uploads"] == 0o700
    assert modes["database"] == modes["secret key"] == 0o600
    assert secret.read_text() == "kept-from-before\n"


def test_with_media_offload_the_front_servers_group_reads_private_media(tmp_path):
    """nginx (X-Accel-Redirect) reads the checked files as a member of the site's
    group; nobody else can, and the secrets stay the site user's own."""
    modes = _modes(tmp_path / "data", MEDIA_OFFLOAD="nginx")
    assert modes["private source"] == modes["private output"] == 0o640
    assert modes["private"] == modes["private video folder"] == 0o750
    assert modes["secret key"] == 0o600
    for name in [*PRIVATE_FILES, *PRIVATE_FOLDERS]:
        assert not modes[name] & stat.S_IRWXO, name


# --- Pages with personal data are never stored ---------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/email/",
        "/en/accounts/password/change/",
        "/en/challenge/",
        "/en/",
        "entry page",
    ],
)
def test_pages_for_a_signed_in_person_are_never_stored(path, campaign):
    participant = make_participant()
    if path == "entry page":
        entry = make_entry(state=S.APPROVED, participant=participant)
        path = f"/en/gallery/{entry.pk}/"
    response = _signed_in(participant).get(path)
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_account_pages_are_never_stored_even_signed_out(client):
    response = client.post("/en/accounts/password/reset/", {"email": "kid@example.org"})
    assert "no-store" in response["Cache-Control"]


def test_the_feed_says_how_long_anyone_may_keep_it(client, campaign):
    make_entry(state=S.APPROVED)
    response = client.get("/en/gallery/feed/")
    assert response.status_code == HTTPStatus.OK
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "public" in directives
    assert "max-age=60" in directives


# --- The CSRF placeholder is filled in the form field only ---------------------------

PLACEHOLDER = "kh-csrf-placeholder-0f3c9a"  # what the cached pages used to carry


def test_a_note_holding_the_placeholder_never_shows_a_visitors_token(campaign):
    entry = make_entry(state=S.APPROVED)
    writer = _signed_in(make_participant())
    written = writer.post(f"/en/gallery/{entry.pk}/notes/", {"text": PLACEHOLDER})
    assert written.status_code == HTTPStatus.FOUND, written.content

    for _visit in range(2):  # built and cached, then served from the cache
        visitor = Client()
        visitor.get("/en/help/")  # any page: the visitor gets a CSRF cookie
        page = visitor.get(f"/en/gallery/{entry.pk}/").content.decode()
        token = visitor.cookies["csrftoken"].value
        note = page.split('class="note-text">', 1)[1].split("</p>", 1)[0]
        assert note.strip() == PLACEHOLDER
        field = page.split('name="csrfmiddlewaretoken" value="', 1)[1][:64]
        assert field != PLACEHOLDER[:64] and PLACEHOLDER not in field
        assert token not in note


# --- Numbers too long for int() are a 400 --------------------------------------------


def test_a_range_too_long_for_int_is_a_bad_request(tmp_path):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    client = Client(raise_request_exception=False)
    for header in (f"bytes={TOO_LONG}-", f"bytes=0-{TOO_LONG}", f"bytes=-{TOO_LONG}"):
        response = client.get(entry.video.video_url, headers={"Range": header})
        assert response.status_code == HTTPStatus.BAD_REQUEST, header[:20]
    assert client.get(entry.video.video_url).status_code == HTTPStatus.OK


def test_tus_numbers_too_long_for_int_are_a_bad_request(campaign):
    client = _signed_in(make_participant())
    client.raise_request_exception = False
    assert _create(client, TOO_LONG).status_code == HTTPStatus.BAD_REQUEST
    url = _create(client, 1_000)["Location"]
    response = client.generic(
        "PATCH",
        url,
        b"x",
        content_type=PIECE,
        headers={**TUS, "Upload-Offset": TOO_LONG},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert _patch(client, url, b"x", 0).status_code == HTTPStatus.NO_CONTENT
