"""Issue "when the database stops", backup and restore: a restore from a backup taken
before a participant deleted something does not bring it back.

Each test takes a real backup of the test database (a copy of the SQLite file, or
pg_dump on PostgreSQL) and of the private files, lets people delete things through
the services (committed for real, files deleted), restores both, and replays the
deletion journal (core.journal) with `manage.py deletions_replay`."""

import contextlib
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from challenge.models import Entry, EntryEvent
from challenge.services.privacy import account_delete
from challenge.services.submission import entry_withdraw
from core import journal
from tests.challenge.factories import (
    make_entry,
    make_participant,
    make_user,
    video_files,
)
from videos.models import Video, private_storage

pytestmark = pytest.mark.django_db(transaction=True)
S = Entry.State


@pytest.fixture(autouse=True)
def _journal(settings, tmp_path):
    settings.DELETION_JOURNAL_DIR = tmp_path / "journal"


@contextlib.contextmanager
def backup(tmp_path: Path):
    """A real backup of the database and the private files; yields a restore()
    that puts both back as they were (the database connection is closed first)."""
    media = Path(private_storage().location)
    shutil.copytree(media, tmp_path / "media-backup", dirs_exist_ok=True)
    db = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        shutil.copy(db["NAME"], tmp_path / "db-backup")
    else:
        dump = tmp_path / "db-backup"
        subprocess.run(
            ["pg_dump", "-Fc", "-h", db["HOST"] or "127.0.0.1", "-U", db["USER"] or "postgres",
             "-f", str(dump), db["NAME"]],
            check=True,
        )  # fmt: skip

    def restore():
        connection.close()
        if connection.vendor == "sqlite":
            shutil.copy(tmp_path / "db-backup", db["NAME"])
        else:
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--single-transaction",
                 "-h", db["HOST"] or "127.0.0.1", "-U", db["USER"] or "postgres",
                 "-d", db["NAME"], str(tmp_path / "db-backup")],
                check=True,
            )  # fmt: skip
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(tmp_path / "media-backup", media)

    yield restore


def stored(entry) -> list[bool]:
    return [f.storage.exists(f.name) for f in video_files(entry.video)]


def replay(since) -> str:
    out = io.StringIO()
    call_command("deletions_replay", since=since.isoformat(), stdout=out)
    return out.getvalue()


def test_what_people_deleted_after_the_backup_stays_deleted_after_a_restore(
    tmp_path,
):
    leaving = make_participant(handle="leaving_kid")
    left_entry = make_entry(
        state=S.APPROVED, participant=leaving, with_files=True, tmp_dir=tmp_path,
        caption="my secret caption",
    )  # fmt: skip
    withdrawing = make_participant(handle="changed_mind")
    withdrawn = make_entry(
        state=S.APPROVED, participant=withdrawing, with_files=True, tmp_dir=tmp_path
    )
    kept = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    user_id, left_video = leaving.user_id, left_entry.video_id
    files = {e.pk: video_files(e.video) for e in (left_entry, withdrawn, kept)}
    since = timezone.now()

    with backup(tmp_path) as restore:
        # After the backup: an account deleted, an entry withdrawn (files gone).
        account_delete(user=leaving.user)
        entry_withdraw(entry=withdrawn, actor=withdrawing.user)
        assert not any(f.storage.exists(f.name) for f in files[withdrawn.pk])
        restore()

    # The restore brought them back, files and all...
    assert get_user_model().objects.filter(pk=user_id).exists()
    assert Entry.objects.get(pk=withdrawn.pk).state == S.APPROVED
    assert all(f.storage.exists(f.name) for f in files[withdrawn.pk])
    # ...and the journal's replay deletes them again.
    out = replay(since)
    assert "1 account(s)" in out and "1 entry(s)" in out
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not Entry.objects.filter(pk=left_entry.pk).exists()
    assert (
        not Video.objects.exclude(status=Video.Status.DELETED)
        .filter(pk=left_video)
        .exists()
    )
    again = Entry.objects.get(pk=withdrawn.pk)
    assert (again.state, again.caption) == (S.WITHDRAWN, "")
    assert again.video.status == Video.Status.DELETED
    assert EntryEvent.objects.filter(
        entry=again, to_state=S.WITHDRAWN, reason="deletion_replayed"
    ).exists()
    for entry in (left_entry, withdrawn):
        assert not any(f.storage.exists(f.name) for f in files[entry.pk]), entry
    # What nobody deleted is untouched.
    kept.refresh_from_db()
    assert kept.state == S.APPROVED and stored(kept) == [True, True, True]
    # A second replay finds nothing left to do.
    assert "0 account(s), 0 entry(s), 0 video(s)" in replay(since)


def test_the_journal_holds_ids_only_and_only_what_committed(tmp_path):
    participant = make_participant(handle="private_handle")
    entry = make_entry(
        state=S.APPROVED, participant=participant, caption="words of a child"
    )
    with contextlib.suppress(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            entry_withdraw(entry=entry, actor=None)
            raise RuntimeError("rolled back")
    assert list(journal.deletions_since(timezone.now() - dt.timedelta(hours=1))) == []
    account_delete(user=participant.user)
    lines = list(journal.deletions_since(timezone.now() - dt.timedelta(hours=1)))
    assert {line["kind"] for line in lines} == {"account", "entry", "video"}
    text = "".join(p.read_text() for p in Path(journal._folder()).glob("*.jsonl"))
    for private in ("private_handle", "words of a child", participant.user.email):
        assert private not in text
    # Readable by the site's user only.
    [path] = Path(journal._folder()).glob("*.jsonl")
    assert path.stat().st_mode & 0o077 == 0


def test_a_backup_taken_after_the_delete_replays_nothing(tmp_path):
    participant = make_participant()
    make_entry(state=S.APPROVED, participant=participant)
    account_delete(user=participant.user)
    later = timezone.now() + dt.timedelta(seconds=1)
    assert "0 account(s), 0 entry(s), 0 video(s)" in replay(later)


def test_a_torn_line_and_old_days_are_handled(tmp_path, settings):
    settings.DELETION_JOURNAL_DAYS = 40
    folder = Path(settings.DELETION_JOURNAL_DIR)
    folder.mkdir(parents=True)
    old = folder / "2020-01-01.jsonl"
    old.write_text('{"at":"2020-01-01T00:00:00+00:00","kind":"account","id":"1"}\n')
    today = folder / f"{timezone.now():%Y-%m-%d}.jsonl"
    today.write_text('{"at":"' + timezone.now().isoformat() + '","kind":"acc')
    assert list(journal.deletions_since(timezone.now() - dt.timedelta(days=1))) == []
    assert journal.journal_purge() == 1
    assert not old.exists() and today.exists()


def test_staff_are_never_deleted_by_a_replay(tmp_path):
    staff = make_user(moderator=True)
    journal._append({"kind": "account", "id": str(staff.pk)})
    assert "0 account(s)" in replay(timezone.now() - dt.timedelta(minutes=1))
    assert get_user_model().objects.filter(pk=staff.pk).exists()


def test_the_command_wants_a_time_with_its_zone():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="time zone"):
        call_command("deletions_replay", since="2026-12-07T03:00:00")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("deletions_replay", since="yesterday")
