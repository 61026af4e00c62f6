"""Writes for videos: create, process, reprocess, sweep, delete files.

Idempotency of `video_process` (the Celery task's body):
- the claim (pending/processing -> processing, attempts + 1) happens under
  select_for_update in its own short transaction, and a ready/failed video is left
  alone, so a duplicate or redelivered message does nothing;
- the files go to deterministic storage names (videos/<id>/video.mp4, poster.webp,
  hls/<rung>/..., hls/master.m3u8 stored last),
  written to a private temp file first and moved into place with os.replace, so a
  second run overwrites instead of adding a file, and a killed run leaves at most a
  temp file (removed by the sweep);
- the final state change happens in one transaction that also calls
  videos.owners.notify_finished.
"""

import logging
import os
import shutil
import time
import traceback
import uuid
from datetime import timedelta
from pathlib import Path

from botocore.exceptions import ConnectionError as StorageConnectionError
from botocore.exceptions import HTTPClientError as StorageHTTPClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.jobs import enqueue
from videos import bounded, jobs, owners
from videos.models import Video, private_storage
from videos.multipart import multipart_target
from videos.pipeline import (
    HLS_MASTER,
    Limits,
    PipelineTimeout,
    VideoRejected,
    describe_exception,
)

logger = logging.getLogger(__name__)

# What storage raises when it cannot take or give a file right now (a full or
# broken disk, an object store that cannot be reached or broke off).
STORAGE_DOWN = (OSError, StorageConnectionError, StorageHTTPClientError)
# Worth another try later: storage hiccups, the database or broker being away.
# A bad file never raises these (it ends `failed` inside video_process).
TRANSIENT_ERRORS = (
    *STORAGE_DOWN,
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
)


class StorageUnavailable(Exception):
    """An upload could not be stored; nothing was recorded. Try again later."""


OUTPUT_NAME = "videos/{id}/video.mp4"
POSTER_NAME = "videos/{id}/poster.webp"
SOURCE_NAME = "videos/{id}/source"
STREAM_FOLDER = "videos/{id}/hls"


def temp_root() -> Path:
    """Where the pipeline writes before moving into storage: DATA_DIR/tmp/videos."""
    folder = Path(settings.DATA_DIR) / "tmp" / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def video_create(*, file, original_name: str) -> Video:
    """Store an upload as a new pending video and queue it once the caller commits.

    `file` is a Django File/UploadedFile; the storage moves a TemporaryUploadedFile
    into place or copies it by chunks, never reading it whole. A
    `videos.multipart.StoredObject` (already in the private bucket) is copied there.
    """
    storage = private_storage()
    video = Video(original_name=(original_name or "")[:255])
    stored_name = getattr(file, "stored_name", None)  # a multipart.StoredObject
    try:
        if stored_name:
            name = SOURCE_NAME.format(id=video.pk)
            multipart_target().copy(stored_name, name)
        else:
            name = storage.save(SOURCE_NAME.format(id=video.pk), file)
    except STORAGE_DOWN as error:
        logger.warning("video %s not stored: %s", video.pk, error)
        raise StorageUnavailable(str(error)) from error
    try:
        with transaction.atomic():
            video.source.name = name
            video.source_size = storage.size(name)
            video.save()
            transaction.on_commit(lambda: _enqueue(video.pk))
    except BaseException:
        storage.delete(name)
        raise
    return video


def _enqueue(video_id) -> None:
    """Send the video to a worker; a broker that is down leaves it `pending` for
    video_sweep to send again (core.jobs)."""
    enqueue(jobs.PROCESS_VIDEO, str(video_id))


def video_process(*, video_id) -> Video | None:
    """Run the pipeline for one video. Safe to call any number of times.

    Raises only transient errors (storage OSError, database OperationalError) for
    the task to retry; every problem with the file itself ends in `failed`.
    """
    video = _claim(video_id)
    if video is None or video.status != Video.Status.PROCESSING:
        return video

    deadline = time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    limits = Limits.from_settings(deadline=deadline)
    work = temp_root() / f"{video.pk}-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    info = None
    try:
        try:
            source = _local_source(video, work)
            info, result = run_pipeline(source, work, limits)
        except VideoRejected as rejected:
            return _finish_failed(
                video.pk,
                code=rejected.code,
                params=rejected.params,
                detail=rejected.detail,
                probe=rejected.probe,
            )
        except (PipelineTimeout, SoftTimeLimitExceeded) as error:
            return _finish_failed(
                video.pk, code="timeout", params={}, detail=describe_exception(error)
            )
        except MemoryError as error:
            # FFmpeg's ENOMEM arrives as a MemoryError too: this file needs more
            # memory than we give a transcode, and will again next time.
            return _finish_failed(
                video.pk,
                code="too_demanding",
                params={},
                detail=describe_exception(error),
                probe=info,
            )
        except TRANSIENT_ERRORS:
            raise  # storage, database or broker trouble: the task retries
        except Exception as error:
            # A decoder or muxer blowing up on this file: retrying will not help.
            logger.exception("video %s could not be processed", video.pk)
            return _finish_failed(
                video.pk,
                code="unprocessable",
                params={},
                detail=describe_exception(error) + "\n" + traceback.format_exc(),
                probe=info,
            )
        stream_name = _store_ladder(work / "hls", STREAM_FOLDER.format(id=video.pk))
        output_name = _store(work / "video.mp4", OUTPUT_NAME.format(id=video.pk))
        poster_name = _store(work / "poster.webp", POSTER_NAME.format(id=video.pk))
        return _finish_ready(
            video.pk, info, result, output_name, poster_name, stream_name
        )
    except TRANSIENT_ERRORS as error:
        _give_back(video.pk, error)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _give_back(video_id, error: Exception) -> None:
    """A transient error is not the file's fault: the video waits again and the
    attempt is not counted (VIDEO_MAX_ATTEMPTS is for files that crash or hang the
    worker; a 10 s storage cut used to use up all three). Best effort: when the
    database is what failed, the attempt stays counted."""
    try:
        Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING).update(
            status=Video.Status.PENDING,
            attempts=Greatest(F("attempts") - 1, 0),
            failure_detail=f"waiting after a transient error: {error}"[:10_000],
        )
    except TRANSIENT_ERRORS:
        logger.warning("video %s: could not give back the attempt", video_id)


def run_pipeline(source: Path, work: Path, limits: Limits, *, with_mp4: bool = True):
    """Probe and transcode in a child process under VIDEO_WORKER_MEMORY_MB (see
    videos.bounded); returns (probe info, pipeline.Result)."""
    return bounded.run(
        source,
        work,
        limits,
        memory_mb=settings.VIDEO_WORKER_MEMORY_MB,
        with_mp4=with_mp4,
    )


def video_ladder_add(*, video_id) -> str:
    """Give a ready video made before streaming its HLS ladder and a new poster.

    Returns what happened: "done", "skipped" (not ready, or it has a ladder) or
    "failed: <reason>" (the video itself stays ready and keeps its MP4).

    Safe to run again and to run twice at once: the video stays `ready` and served
    as an MP4 throughout; the files go to the same fixed names as video_process
    (the master playlist last) and `stream` is set only once every file is in
    place, under a row lock, so a killed run leaves the video as it was.
    """
    video = Video.objects.filter(pk=video_id).first()
    if video is None or not video.is_ready or video.stream:
        return "skipped"
    limits = Limits.from_settings(
        deadline=time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    )
    work = temp_root() / f"{video.pk}-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        # The kept original (an episode's master) is the better source; an entry's
        # upload is gone, and its processed MP4 is clean and upright.
        field = video.source if video.source else video.output
        try:
            source = _local_file(field, work)
            _info, result = run_pipeline(source, work, limits, with_mp4=False)
        except (VideoRejected, PipelineTimeout, MemoryError) as error:
            logger.warning("video %s: no ladder: %s", video.pk, error)
            return f"failed: {describe_exception(error)}"
        stream_name = _store_ladder(work / "hls", STREAM_FOLDER.format(id=video.pk))
        poster_name = _store(work / "poster.webp", POSTER_NAME.format(id=video.pk))
        with transaction.atomic():
            locked = Video.objects.select_for_update().get(pk=video.pk)
            if locked.stream or not locked.is_ready:
                return "skipped"
            locked.stream.name = stream_name
            locked.ladder = result.ladder
            locked.poster.name = poster_name
            locked.save(update_fields=["stream", "ladder", "poster", "updated_at"])
        return "done"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _claim(video_id) -> Video | None:
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            logger.info("video %s is gone; nothing to process", video_id)
            return None
        if video.status in (Video.Status.READY, Video.Status.FAILED):
            return video
        if video.attempts >= settings.VIDEO_MAX_ATTEMPTS:
            # A poison file (it crashed or hung the worker every time): stop here.
            # Transient errors give their attempt back (_give_back).
            video.status = Video.Status.FAILED
            video.failure_code = "internal"
            video.failure_params = {}
            video.failure_detail = (
                f"gave up after {video.attempts} attempts"
                + (f"\n{video.failure_detail}" if video.failure_detail else "")
            )[:10_000]
            video.processed_at = timezone.now()
            video.save()
            owners.notify_finished(video)
            return video
        video.status = Video.Status.PROCESSING
        video.attempts += 1
        video.processing_started_at = timezone.now()
        video.save(
            update_fields=["status", "attempts", "processing_started_at", "updated_at"]
        )
        return video


def _local_source(video: Video, work: Path) -> Path:
    """A local path to the original (FileSystemStorage path, else a chunked copy)."""
    if not video.source:
        raise VideoRejected("empty", "no source file recorded")
    return _local_file(video.source, work)


def _local_file(fieldfile, work: Path) -> Path:
    storage = fieldfile.storage
    try:
        return Path(storage.path(fieldfile.name))
    except NotImplementedError:
        local = work / "source"
        with storage.open(fieldfile.name, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        return local


def _store_ladder(folder: Path, prefix: str) -> str:
    """Store the ladder's files under `prefix`, the master playlist last (a player
    that finds it finds every file it names); returns the master's storage name."""
    master = folder / HLS_MASTER
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path != master and not path.name.startswith("."):
            _store(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return _store(master, f"{prefix}/{HLS_MASTER}")


def _store(temp_file: Path, name: str) -> str:
    """Move a finished temp file to its fixed storage name, replacing any old one."""
    storage = private_storage()
    try:
        target = Path(storage.path(name))
    except NotImplementedError:
        storage.delete(name)
        with temp_file.open("rb") as handle:
            return storage.save(name, handle)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    if _same_device(temp_file, target.parent):
        os.replace(temp_file, staged)
    else:
        shutil.copyfile(temp_file, staged)
    os.replace(staged, target)
    return name


def _same_device(path: Path, folder: Path) -> bool:
    return path.stat().st_dev == folder.stat().st_dev


def _finish_ready(
    video_id, info, result, output_name, poster_name, stream_name
) -> Video:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status == Video.Status.READY:
            return video  # another run finished first; its files are ours too
        video.status = Video.Status.READY
        video.output.name = output_name
        video.poster.name = poster_name
        video.stream.name = stream_name
        video.ladder = result.ladder
        video.output_size = result.output_size
        video.duration = result.duration
        video.width = result.width
        video.height = result.height
        video.probe = {**info, "pipeline": result.stats}
        video.failure_code = ""
        video.failure_params = {}
        video.failure_detail = ""
        video.processed_at = timezone.now()
        if not owners.video_keeps_source(video):
            # Keep less: the checked, metadata-free output exists; the original
            # (GPS, device and date tags) goes once this commits.
            source = video.source.name
            video.source.name = ""
            transaction.on_commit(lambda: private_storage().delete(source))
        video.save()
        owners.notify_finished(video)
    return video


def _finish_failed(video_id, *, code, params, detail, probe=None) -> Video:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status == Video.Status.READY:
            return video
        video.status = Video.Status.FAILED
        video.failure_code = code
        video.failure_params = params or {}
        video.failure_detail = (detail or "")[:10_000]
        if probe:
            video.probe = probe
        video.processed_at = timezone.now()
        video.save()
        owners.notify_finished(video)
    logger.info("video %s failed: %s (%s)", video_id, code, detail)
    return video


def video_reprocess(*, video: Video) -> bool:
    """Send a failed or stuck video through the pipeline again (staff action).

    Ready videos are left alone: they may be live, and owners react to a finish.
    """
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        if locked.status == Video.Status.READY:
            return False
        locked.status = Video.Status.PENDING
        locked.attempts = 0
        locked.failure_code = ""
        locked.failure_params = {}
        locked.failure_detail = ""
        locked.processing_started_at = None
        locked.save()
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return True


def video_delete_files(*, video: Video) -> None:
    """Delete every file of a video: original, output, poster, leftovers in temp."""
    storage = private_storage()
    names = {
        video.source.name,
        video.output.name,
        video.poster.name,
        OUTPUT_NAME.format(id=video.pk),
        POSTER_NAME.format(id=video.pk),
    }
    for name in filter(None, names):
        storage.delete(name)
    _delete_folder(storage, STREAM_FOLDER.format(id=video.pk))
    try:
        folder = Path(storage.path(f"videos/{video.pk}"))
    except NotImplementedError:
        folder = None
    if folder is not None and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
    for leftover in temp_root().glob(f"{video.pk}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    Video.objects.filter(pk=video.pk).update(
        source="", output="", poster="", stream="", ladder=[], updated_at=timezone.now()
    )
    video.source.name = video.output.name = video.poster.name = ""
    video.stream.name = ""
    video.ladder = []


def _delete_folder(storage, prefix: str) -> None:
    """Every file under `prefix` (object storage has no folders to remove)."""
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_folder(storage, f"{prefix}/{folder}")


def video_sweep(*, now=None) -> dict:
    """Re-queue videos that stalled and remove abandoned temp files.

    Stalled: `processing` since before VIDEO_STUCK_AFTER_SECONDS (the worker died or
    the message was lost), or `pending` for that long (the enqueue was lost). The
    task's claim enforces VIDEO_MAX_ATTEMPTS, so a poison file ends failed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.VIDEO_STUCK_AFTER_SECONDS)
    stuck = list(
        Video.objects.filter(
            status=Video.Status.PROCESSING, processing_started_at__lt=cutoff
        ).values_list("pk", flat=True)
    ) + list(
        Video.objects.filter(
            status=Video.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for video_id in stuck:
        transaction.on_commit(lambda video_id=video_id: _enqueue(video_id))

    removed = 0
    active = {
        str(pk)
        for pk in Video.objects.filter(
            status=Video.Status.PROCESSING, processing_started_at__gte=cutoff
        ).values_list("pk", flat=True)
    }
    oldest = cutoff.timestamp()
    for entry in temp_root().iterdir():
        video_id = entry.name.split("-", 5)[:5]
        if "-".join(video_id) in active:
            continue
        try:
            if entry.stat().st_mtime >= oldest:
                continue
        except FileNotFoundError:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    if stuck or removed:
        logger.info("video sweep: re-queued %d, removed %d temp", len(stuck), removed)
    return {"requeued": [str(pk) for pk in stuck], "temp_removed": removed}
