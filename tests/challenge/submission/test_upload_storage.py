"""Storage outside database transactions: a plain-form upload is stored before any
transaction opens (no row lock is held while up to 250 MB are written), and a
refusal or an error after the file is stored deletes it."""

import os
import threading
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection

from challenge.errors import DailyLimitReached, GuardianIsParticipant
from challenge.models import Entry
from challenge.services.submission import entry_upload
from tests.challenge.factories import entry_post_data, make_participant
from videos.models import Video

SUBMIT = "/en/challenge/submit/"


class WatchedStorage(FileSystemStorage):
    """The real local storage, which notes whether a transaction was open while it
    wrote, and runs `during_save` (another request arriving meanwhile)."""

    saves: list[bool] = []
    during_save = None

    def _save(self, name, content):
        WatchedStorage.saves.append(connection.in_atomic_block)
        if WatchedStorage.during_save is not None:
            WatchedStorage.during_save()
        return super()._save(name, content)


@pytest.fixture
def watched_storage(settings, tmp_path):
    WatchedStorage.saves = []
    WatchedStorage.during_save = None
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": f"{__name__}.WatchedStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


def _files(root: Path) -> list[str]:
    return [name for _folder, _dirs, files in os.walk(root) for name in files]


def test_the_upload_is_stored_with_no_transaction_open(
    transactional_db, participant_client, campaign, upload, watched_storage
):
    response = participant_client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FOUND
    # the source (then the worker's MP4, poster and ladder, run in-process here)
    assert WatchedStorage.saves and WatchedStorage.saves[0] is False
    assert Entry.objects.get().video.status == Video.Status.READY


def test_the_participant_row_is_not_locked_while_the_file_is_stored(
    campaign, upload, watched_storage, transactional_db
):
    """A write by the same participant (a note, another upload) goes through while
    the upload is stored: on SQLite every write transaction waits for another, so
    an open one would hold this thread until its busy timeout."""
    participant = make_participant()
    written = []

    def another_request():
        def write():
            from challenge.models import Participant

            Participant.objects.filter(pk=participant.pk).update(language="it")
            written.append(True)
            connection.close()

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(timeout=3)
        assert written, "the participant's row stayed locked while storing"

    WatchedStorage.during_save = another_request
    result = entry_upload(
        participant=participant,
        file=upload(),
        caption="Be kind",
        prompt="moment",
        language="en",
        submission_token=None,
    )
    assert result.entry is not None and written


def test_an_error_after_the_file_is_stored_deletes_it(
    campaign, upload, watched_storage, transactional_db
):
    """The guardian's address is the child's own: refused once the video is
    stored; nothing is left, neither the row nor the file."""
    child = make_participant(age=12, country="FR")
    with pytest.raises(GuardianIsParticipant):
        entry_upload(
            participant=child,
            file=upload(),
            caption="Be kind",
            prompt="moment",
            language="en",
            submission_token=None,
            guardian_email=child.user.email,
        )
    assert WatchedStorage.saves == [False]
    assert not Video.objects.exists()
    assert _files(watched_storage) == []


def test_a_refusal_under_the_lock_deletes_the_stored_file(
    campaign, upload, watched_storage, settings, transactional_db
):
    """Two uploads at once by a participant at the daily limit: the one that
    counts second, under the row lock, is refused and its file goes."""
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 1
    participant = make_participant()

    def the_other_upload_commits():
        WatchedStorage.during_save = None
        entry_upload(
            participant=participant,
            file=upload("first.mp4"),
            caption="Be kind",
            prompt="moment",
            language="en",
            submission_token=None,
        )

    WatchedStorage.during_save = the_other_upload_commits
    with pytest.raises(DailyLimitReached):
        entry_upload(
            participant=participant,
            file=upload("second.mp4"),
            caption="Be kind",
            prompt="moment",
            language="en",
            submission_token=None,
        )
    kept = Entry.objects.get()
    # videos/<id>/...: only the kept entry's video has files
    assert {Path(name).parts[1] for name in _all_paths(watched_storage)} == {
        str(kept.video_id)
    }
    assert Video.objects.get().pk == kept.video_id


def _all_paths(root: Path) -> list[str]:
    return [
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, files in os.walk(root)
        for name in files
    ]
