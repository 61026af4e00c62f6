"""The sweeps that compare storage with the rows: the orphan sweep (files no row
keeps) and the tombstone sweep (deleted videos' files, then the rows nothing points
at). On local storage and on an S3 server (moto), with real files."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.s3 import BUCKET
from videos.models import Video, private_storage
from videos.services import (
    video_delete,
    video_orphans_sweep,
    video_process,
    video_tombstones_sweep,
)


@pytest.fixture(params=["local", "s3"])
def storage(request, settings, tmp_path):
    """The private storage, empty: a folder of this test's own, or the bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3_private")
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
            },
        }
    return private_storage()


def _listing(storage) -> set[str]:
    """Every file under videos/, listed the way an operator would."""
    client = getattr(getattr(storage, "connection", None), "meta", None)
    if client is not None:
        pages = client.client.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix="videos/"
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}
    root = Path(storage.path(""))
    return {
        Path(folder, name).relative_to(root).as_posix()
        for folder, _dirs, files in os.walk(root / "videos")
        for name in files
    }


def _later(seconds: int):
    return timezone.now() + dt.timedelta(seconds=seconds + 1)


def test_files_no_row_keeps_are_found_listed_and_deleted_once_old_enough(
    storage, upload, clips, settings, tmp_path
):
    ready = video_process(video_id=upload(clips["landscape"]).pk)
    waiting = upload(clips["silent"])
    kept = _listing(storage)
    # What a failed delete or a rollback leaves: an upload stored with no row; a
    # file staged by a run killed before it moved it into place.
    stray = storage.save(
        "videos/7a1c9d6e-5b4f-4c3a-9e2d-1f0a9b8c7d6e/source", ContentFile(b"x")
    )
    staged = storage.save(
        f"videos/{ready.pk}/.video.mp4.0badf00d", ContentFile(b"half")
    )
    assert {stray, staged} <= _listing(storage)

    # Young: an upload is stored before its row commits, so they wait.
    assert video_orphans_sweep() == []

    later = _later(settings.VIDEO_ORPHAN_AFTER_SECONDS)
    dry = video_orphans_sweep(now=later, delete=False)
    assert sorted(dry) == sorted([stray, staged])
    assert {stray, staged} <= _listing(storage)

    output = tmp_path / "out.txt"
    settings.VIDEO_ORPHAN_AFTER_SECONDS = 0
    with output.open("w") as handle:
        call_command("video_orphans", stdout=handle)  # a dry run for staff
    assert "2 orphan file(s) would be deleted" in output.read_text()

    assert sorted(video_orphans_sweep(now=later)) == sorted([stray, staged])
    assert _listing(storage) == kept  # the ready video's files and the upload waiting
    assert Video.objects.get(pk=waiting.pk).source


def test_a_tombstones_files_are_orphans_at_any_age(storage, upload, clips):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    with transaction.atomic():
        video_delete(video_id=video.pk)  # its on-commit cleanup never ran
    files = {name for name in _listing(storage) if str(video.pk) in name}
    assert files
    assert set(video_orphans_sweep()) == files
    assert not any(str(video.pk) in name for name in _listing(storage))


def test_the_tombstone_sweep_deletes_files_then_the_rows_nothing_points_at(
    storage, upload, clips, settings, django_capture_on_commit_callbacks
):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    with transaction.atomic():
        assert video_delete(video_id=video.pk) is True
        assert video_delete(video_id=video.pk) is False  # once is enough
    # A run that started before the delete wrote its files back afterwards.
    storage.save(f"videos/{video.pk}/video.mp4", ContentFile(b"late"))

    # Within the hard time limit a run may still be writing: left alone.
    assert video_tombstones_sweep() == {"files_deleted": 0, "removed": 0}
    later = _later(settings.VIDEO_HARD_TIME_LIMIT)
    assert video_tombstones_sweep(now=later) == {"files_deleted": 1, "removed": 1}
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not any(str(video.pk) in name for name in _listing(storage))


def test_a_tombstone_an_entry_points_at_stays_without_its_files(
    upload, clips, settings
):
    from challenge.models import Entry
    from tests.challenge.factories import make_participant

    video = upload(clips["landscape"])
    entry = Entry.objects.create(
        participant=make_participant(), video=video, caption="", prompt="moment"
    )
    with transaction.atomic():
        video_delete(video_id=video.pk)
    later = _later(settings.VIDEO_HARD_TIME_LIMIT)
    assert video_tombstones_sweep(now=later) == {"files_deleted": 1, "removed": 0}
    video.refresh_from_db()
    assert video.status == Video.Status.DELETED and video.files_deleted_at
    assert Entry.objects.get(pk=entry.pk).video_id == video.pk
    # Not listed again: its files are known to be gone.
    assert video_tombstones_sweep(now=later) == {"files_deleted": 0, "removed": 0}
