"""Reliability of the pipeline's services and task: idempotency, attempts, retries,
the sweep, creating and deleting files."""

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone

from videos import owners, services
from videos.models import Video
from videos.services import (
    temp_root,
    video_create,
    video_delete_files,
    video_process,
    video_reprocess,
    video_sweep,
)
from videos.tasks import process_video

pytestmark = pytest.mark.django_db


def _folder(video) -> set[str]:
    folder = Path(video.source.storage.path(f"videos/{video.pk}"))
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def finished(monkeypatch):
    """Record owners.notify_finished calls and whether they ran in a transaction."""
    calls = []

    def on_finished(video):
        calls.append(
            (video.pk, video.status, transaction.get_connection().in_atomic_block)
        )

    monkeypatch.setattr(
        owners,
        "_owners",
        [owners.Owner(is_public=lambda v: None, on_finished=on_finished)],
    )
    return calls


def test_create_stores_the_upload_and_queues_processing_on_commit(
    db, clips, django_capture_on_commit_callbacks, settings
):
    data = clips["landscape"].read_bytes()
    upload = TemporaryUploadedFile("holiday.mp4", "video/mp4", len(data), None)
    upload.write(data)
    upload.seek(0)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        video = video_create(file=upload, original_name="holiday.mp4")
    upload.close()  # as Django does at the end of the request

    assert len(callbacks) == 1
    video.refresh_from_db()
    assert video.status == Video.Status.READY  # eager in unit tests
    assert video.original_name == "holiday.mp4"
    assert video.source.name == f"videos/{video.pk}/source"
    assert video.source_size == len(data)
    assert Path(video.source.path).read_bytes() == data
    video_delete_files(video=video)


def test_create_does_not_queue_when_the_caller_rolls_back(
    db, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        video_create(file=SimpleUploadedFile("a.mp4", b"data"), original_name="a.mp4")
        raise RuntimeError("form failed after the upload")
    assert callbacks == []
    assert not Video.objects.exists()


def test_processing_twice_yields_one_output_under_the_same_name(
    upload, clips, finished
):
    video = upload(clips["landscape"])
    first = video_process(video_id=video.pk)
    output_name, first_mtime = first.output.name, os.stat(first.output.path).st_mtime_ns

    again = video_process(video_id=video.pk)  # a duplicate message: nothing to do
    assert again.attempts == 1
    assert os.stat(first.output.path).st_mtime_ns == first_mtime

    # A redelivery after a crash that struck once the files were already written:
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    third = video_process(video_id=video.pk)

    assert third.status == Video.Status.READY
    assert third.attempts == 2
    assert third.output.name == output_name
    assert _folder(third) == {"source", "video.mp4", "poster.webp", "hls"}
    assert not list(temp_root().glob(f"{video.pk}-*"))
    assert [call[1] for call in finished] == ["ready", "ready"]
    assert all(in_atomic for _, _, in_atomic in finished)


def test_poison_file_stops_after_max_attempts(upload, clips, settings, finished):
    settings.VIDEO_MAX_ATTEMPTS = 3
    video = upload(clips["landscape"])
    # Three earlier runs crashed the worker mid-way (SIGKILL, OOM...).
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, attempts=3)

    video = video_process(video_id=video.pk)

    assert video.status == Video.Status.FAILED
    assert video.failure_code == "internal"
    assert "gave up after 3 attempts" in video.failure_detail
    assert video.attempts == 3
    assert not video.output
    assert "Something went wrong on our side" in video.failure_reason
    assert finished == [(video.pk, "failed", True)]


def test_transient_storage_errors_are_retried_and_the_video_waits_for_the_storage(
    upload, clips, settings, monkeypatch
):
    """A full disk is not the file's fault: the task retries (max_retries), then the
    video waits, pending, for the sweep; VIDEO_MAX_ATTEMPTS is not used up, so the
    participant is never told a good file "could not be processed"."""
    settings.VIDEO_MAX_ATTEMPTS = 3
    video = upload(clips["landscape"])
    calls = []

    def failing_store(temp_file, name):
        calls.append(name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(services, "_store", failing_store)

    # Eager mode runs the task and its retries in-process (countdowns skipped) when
    # errors are not propagated to the caller.
    process_video.app.conf.task_eager_propagates = False  # reset by conftest
    process_video.delay(str(video.pk))

    video.refresh_from_db()
    assert len(calls) == process_video.max_retries + 1
    assert video.attempts == 0
    assert video.status == Video.Status.PENDING
    assert "No space left on device" in video.failure_detail
    monkeypatch.undo()  # the disk has room again; the sweep sends the video
    process_video.delay(str(video.pk))
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.failure_detail == ""


def test_a_database_hiccup_is_retried_and_then_succeeds(upload, clips, monkeypatch):
    video = upload(clips["landscape"])
    real_run = services.run_pipeline
    hiccups = []

    def run_once_offline(source, work, limits, **options):
        if not hiccups:
            hiccups.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_run(source, work, limits, **options)

    monkeypatch.setattr(services, "run_pipeline", run_once_offline)

    process_video.app.conf.task_eager_propagates = False  # reset by conftest
    process_video.delay(str(video.pk))

    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.attempts == 1  # the hiccup's attempt was given back


def test_task_retries_only_transient_errors_and_survives_a_lost_worker():
    from botocore.exceptions import ConnectionError as StorageConnectionError
    from botocore.exceptions import HTTPClientError as StorageHTTPClientError
    from django.db import InterfaceError
    from kombu.exceptions import OperationalError as BrokerOperationalError

    assert set(process_video.autoretry_for) == {
        OSError,
        StorageConnectionError,  # an object store that cannot be reached
        StorageHTTPClientError,  # ... or broke off (a read timeout, a reset)
        OperationalError,
        InterfaceError,
        BrokerOperationalError,
    }
    assert process_video.retry_backoff
    assert process_video.acks_late is True
    assert process_video.reject_on_worker_lost is True
    annotations = process_video.app.conf.task_annotations["videos.tasks.process_video"]
    from django.conf import settings

    assert annotations == {
        "soft_time_limit": settings.VIDEO_SOFT_TIME_LIMIT,
        "time_limit": settings.VIDEO_HARD_TIME_LIMIT,
    }
    assert process_video.soft_time_limit == settings.VIDEO_SOFT_TIME_LIMIT
    assert process_video.time_limit == settings.VIDEO_HARD_TIME_LIMIT


def test_a_bad_file_is_never_retried(db, upload, tmp_path, monkeypatch):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video at all" * 100)
    video = upload(bad)
    retries = []
    monkeypatch.setattr(
        process_video, "retry", lambda *a, **k: retries.append(1) or None
    )

    process_video.delay(str(video.pk))

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_code == "not_video"
    assert video.attempts == 1
    assert retries == []


def test_a_crashing_decoder_fails_the_video_without_retry(upload, clips, monkeypatch):
    video = upload(clips["landscape"])

    def explode(*args, **kwargs):
        raise ValueError("decoder state corrupted")

    monkeypatch.setattr(services, "run_pipeline", explode)

    process_video.delay(str(video.pk))

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_code == "unprocessable"
    assert "decoder state corrupted" in video.failure_detail
    assert video.attempts == 1
    assert "try again later" not in video.failure_reason


def test_soft_time_limit_ends_in_a_timeout_failure(upload, clips, settings):
    settings.VIDEO_SOFT_TIME_LIMIT = -1  # the deadline has passed before frame one
    video = video_process(video_id=upload(clips["landscape"]).pk)

    assert video.status == Video.Status.FAILED
    assert video.failure_code == "timeout"


def test_processing_a_deleted_video_does_nothing(db):
    assert video_process(video_id="4b4a1c54-5b1c-4f53-a1a4-2d3a5b7c9e11") is None


def test_sweep_requeues_stalled_videos_and_clears_abandoned_temp_files(
    upload, clips, settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_STUCK_AFTER_SECONDS = 600
    long_ago = timezone.now() - timedelta(seconds=900)
    stuck = upload(clips["landscape"])
    Video.objects.filter(pk=stuck.pk).update(
        status=Video.Status.PROCESSING, attempts=1, processing_started_at=long_ago
    )
    lost = upload(clips["silent"])
    Video.objects.filter(pk=lost.pk).update(created_at=long_ago)
    busy = upload(clips["portrait"])
    Video.objects.filter(pk=busy.pk).update(
        status=Video.Status.PROCESSING, attempts=1, processing_started_at=timezone.now()
    )
    fresh = upload(clips["webm"])
    abandoned = temp_root() / f"{stuck.pk}-deadbeef"
    abandoned.mkdir()
    (abandoned / "video.mp4").write_bytes(b"half a video")
    os.utime(abandoned, (time.time() - 900, time.time() - 900))
    in_use = temp_root() / f"{busy.pk}-cafebabe"
    in_use.mkdir()
    os.utime(in_use, (time.time() - 900, time.time() - 900))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("video_sweep", stdout=io.StringIO())

    statuses = dict(Video.objects.values_list("pk", "status"))
    assert statuses[stuck.pk] == Video.Status.READY
    assert statuses[lost.pk] == Video.Status.READY
    assert statuses[busy.pk] == Video.Status.PROCESSING
    assert statuses[fresh.pk] == Video.Status.PENDING
    assert not abandoned.exists()
    assert in_use.exists()
    in_use.rmdir()


def test_sweep_reports_exactly_what_it_did(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # a temp folder of this test's own
    settings.VIDEO_STUCK_AFTER_SECONDS = 600
    long_ago = timezone.now() - timedelta(seconds=900)
    stalled = Video.objects.create(
        status=Video.Status.PROCESSING, attempts=1, processing_started_at=long_ago
    )
    lost = Video.objects.create(status=Video.Status.PENDING)
    Video.objects.filter(pk=lost.pk).update(created_at=long_ago)
    busy = Video.objects.create(
        status=Video.Status.PROCESSING, attempts=1, processing_started_at=timezone.now()
    )
    Video.objects.create(status=Video.Status.PENDING)  # just uploaded
    Video.objects.create(status=Video.Status.READY)
    old_leftover = temp_root() / f"{stalled.pk}-deadbeef"
    old_leftover.write_bytes(b"half a video")
    os.utime(old_leftover, (time.time() - 900, time.time() - 900))
    busy_work = temp_root() / f"{busy.pk}-cafebabe"
    busy_work.mkdir()
    os.utime(busy_work, (time.time() - 900, time.time() - 900))
    fresh_leftover = temp_root() / "0f0f0f0f-0000-0000-0000-000000000000-new"
    fresh_leftover.write_bytes(b"still being written")

    result = video_sweep()

    assert sorted(result["requeued"]) == sorted([str(stalled.pk), str(lost.pk)])
    assert result["temp_removed"] == 1
    assert sorted(path.name for path in temp_root().iterdir()) == sorted(
        [busy_work.name, fresh_leftover.name]
    )


def test_reprocess_requeues_a_failed_video_but_not_a_ready_one(
    upload, clips, tmp_path, django_capture_on_commit_callbacks
):
    ready = video_process(video_id=upload(clips["landscape"]).pk)
    failed = upload(clips["silent"])
    Video.objects.filter(pk=failed.pk).update(
        status=Video.Status.FAILED, failure_code="internal", attempts=3
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert video_reprocess(video=failed) is True
        assert video_reprocess(video=ready) is False

    failed.refresh_from_db()
    assert failed.status == Video.Status.READY
    assert failed.attempts == 1
    assert failed.failure_code == ""


def test_delete_files_removes_every_file_of_the_video(upload, clips):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    leftover = temp_root() / f"{video.pk}-0badf00d"
    leftover.mkdir()
    folder = Path(video.source.storage.path(f"videos/{video.pk}"))
    assert _folder(video) == {"source", "video.mp4", "poster.webp", "hls"}

    video_delete_files(video=video)

    assert not folder.exists()
    assert not leftover.exists()
    video.refresh_from_db()
    assert not video.source and not video.output and not video.poster
    assert not video.stream and video.ladder == []
